"""The second baseline of ``webhook_ingest.py``: the least a receiver can do and still be durable.

Per delivery it reads and parses the body, stores it with one ``INSERT ... RETURNING`` and a
``COMMIT`` over a plain psycopg connection, pushes the new id onto a Redis list and answers 202. No
authentication, no validation, no ORM, no job record. Whatever this reaches is the ceiling, on the
same machine and database, of any receiver that commits each delivery before acknowledging it —
which the real receiver must ("nothing accepted is ever lost"). Served like the others::

    gunicorn -w 2 -b 127.0.0.1:8002 "bench.durable_floor_app:create_app()"

``create_app(batched=True)`` measures the same floor with group commit: request threads hand their
delivery to one writer thread per process, which inserts whatever has queued up in one transaction,
commits once, pushes the ids in one Redis pipeline and then answers every waiting request. Only a
threaded server (``--threads N``) gives it more than one delivery at a time.
"""

from __future__ import annotations

import json
import os
import queue as queues
import threading
from typing import Any

import psycopg
import redis
from flask import Flask, jsonify, request

TABLE = "bench_floor_inbox"


def create_app(batched: bool = False) -> Flask:
    app = Flask(__name__)
    conninfo = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    queue = redis.Redis.from_url(os.environ["NINJAONE_REDIS_URL"])
    state: dict[str, Any] = {}
    starting = threading.Lock()

    def connection() -> psycopg.Connection:
        """One connection per worker process (per thread that writes), opened after gunicorn forks."""
        conn = psycopg.connect(conninfo)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(4242)")  # both workers start at once
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, "
                "activity_id bigint NOT NULL UNIQUE, payload jsonb NOT NULL, "
                "received_at timestamptz NOT NULL DEFAULT now())"
            )
        return conn

    def store_one(body: dict[str, Any]) -> int:
        if state.get("pid") != os.getpid():
            state.update(pid=os.getpid(), conn=connection())
        conn = state["conn"]
        delivery_id = conn.execute(
            f"INSERT INTO {TABLE} (activity_id, payload) VALUES (%s, %s) RETURNING id",
            (body["id"], psycopg.types.json.Jsonb(body)),
        ).fetchone()[0]
        conn.commit()
        queue.rpush("bench:floor", delivery_id)
        return delivery_id

    def writer(inbox: queues.Queue) -> None:
        conn = connection()
        while True:
            batch = [inbox.get()]
            while len(batch) < 256:
                try:
                    batch.append(inbox.get_nowait())
                except queues.Empty:
                    break
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {TABLE} (activity_id, payload) VALUES (%s, %s) RETURNING id",
                    [(body["id"], psycopg.types.json.Jsonb(body)) for body, _ in batch],
                    returning=True,
                )
                ids = []
                while True:
                    ids.append(cursor.fetchone()[0])
                    if not cursor.nextset():
                        break
            conn.commit()
            pipe = queue.pipeline(transaction=False)
            for delivery_id in ids:
                pipe.rpush("bench:floor", delivery_id)
            pipe.execute()
            for (_, waiter), delivery_id in zip(batch, ids, strict=True):
                waiter["id"] = delivery_id
                waiter["done"].set()

    def store_batched(body: dict[str, Any]) -> int:
        with starting:
            if state.get("pid") != os.getpid():
                inbox: queues.Queue = queues.Queue()
                threading.Thread(target=writer, args=(inbox,), daemon=True).start()
                state.update(pid=os.getpid(), inbox=inbox)
        waiter: dict[str, Any] = {"done": threading.Event()}
        state["inbox"].put((body, waiter))
        waiter["done"].wait()
        return waiter["id"]

    store = store_batched if batched else store_one

    @app.post("/webhooks/ninjaone/<public_id>")
    def receive(public_id: str):
        delivery_id = store(json.loads(request.get_data()))
        return jsonify({"status": "accepted", "id": delivery_id}), 202

    return app
