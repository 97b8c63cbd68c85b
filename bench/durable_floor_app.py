"""The second baseline of ``webhook_ingest.py``: the least a receiver can do and still be durable.

Per delivery it reads and parses the body, stores it with one ``INSERT ... RETURNING`` and a
``COMMIT`` over a plain psycopg connection, pushes the new id onto a Redis list and answers 202. No
authentication, no validation, no ORM, no job record. Whatever this reaches is the ceiling, on the
same machine and database, of any receiver that commits each delivery before acknowledging it —
which the real receiver must ("nothing accepted is ever lost"). Served like the others::

    gunicorn -w 2 -b 127.0.0.1:8002 "bench.durable_floor_app:create_app()"
"""

from __future__ import annotations

import json
import os
from typing import Any

import psycopg
import redis
from flask import Flask, jsonify, request

TABLE = "bench_floor_inbox"


def create_app() -> Flask:
    app = Flask(__name__)
    conninfo = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    queue = redis.Redis.from_url(os.environ["NINJAONE_REDIS_URL"])
    state: dict[str, Any] = {}

    def connection() -> psycopg.Connection:
        """One connection per worker process, opened after gunicorn forks."""
        if state.get("pid") != os.getpid():
            conn = psycopg.connect(conninfo)
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(4242)")  # both workers start at once
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, "
                    "activity_id bigint NOT NULL UNIQUE, payload jsonb NOT NULL, "
                    "received_at timestamptz NOT NULL DEFAULT now())"
                )
            state.update(pid=os.getpid(), conn=conn)
        return state["conn"]

    @app.post("/webhooks/ninjaone/<public_id>")
    def receive(public_id: str):
        body = json.loads(request.get_data())
        conn = connection()
        delivery_id = conn.execute(
            f"INSERT INTO {TABLE} (activity_id, payload) VALUES (%s, %s) RETURNING id",
            (body["id"], psycopg.types.json.Jsonb(body)),
        ).fetchone()[0]
        conn.commit()
        queue.rpush("bench:floor", delivery_id)
        return jsonify({"status": "accepted", "id": delivery_id}), 202

    return app
