"""The baseline of ``webhook_ingest.py``: a Flask app whose receiver route does nothing.

Same path shape, same method, reads the body and answers 202 with a small JSON object, so the
comparison isolates what the real receiver adds (lookup, secret check, validation, inbox insert,
enqueue). Served by the same gunicorn command line as the sample host::

    gunicorn -w 2 -b 127.0.0.1:8001 "bench.noop_app:create_app()"
"""

from __future__ import annotations

from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/webhooks/ninjaone/<public_id>")
    def receive(public_id: str):
        request.get_data()
        return jsonify({"status": "accepted"}), 202

    return app


app = create_app()
