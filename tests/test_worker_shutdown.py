"""A worker stops when it is done: RQ's command listener (a pub/sub thread) must not hold it a minute.

In one full CI run on Redis after another, one worker test took a minute longer than usual: its
burst worker had finished its jobs and waited in RQ's ``unsubscribe`` for the listener thread, which
had read the ``UNSUBSCRIBE`` reply before the worker asked it to stop and then waited 60 s for a
subscription. Here the listener is made to win that race every time.
"""

from __future__ import annotations

import threading

import pytest

from flask_ninjaone import jobs
from flask_ninjaone.worker import NinjaOneWorker


def test_the_command_listener_ends_with_the_worker_when_it_reads_the_unsubscribe_reply_first(
    make_app, redis_service, monkeypatch: pytest.MonkeyPatch
):
    app = make_app(NINJAONE_REDIS_URL=redis_service)
    queue = jobs.queue(app)
    worker = NinjaOneWorker([queue], app=app, keep_schedule=False, connection=queue.connection,
                            serializer=jobs.JobSerializer)  # fmt: skip
    worker.subscribe()
    pubsub, listener = worker.pubsub, worker.pubsub_thread
    read, close, send = pubsub.get_message, pubsub.close, pubsub.unsubscribe
    reply_read = threading.Event()  # the listener read the reply: it ended, or it waits for a subscription
    waited_for_a_subscription = threading.Event()

    def get_message(**kwargs):
        if not pubsub.subscribed:  # here redis-py waits its read timeout (RQ's: 60 s) for a subscription
            waited_for_a_subscription.set()
            reply_read.set()
            return None  # at once, so the old behaviour fails this test instead of taking a minute
        return read(**kwargs)

    def closed() -> None:  # the listener's last step
        reply_read.set()
        close()

    def unsubscribe(*args):
        send(*args)
        assert reply_read.wait(timeout=30), "the listener never read the UNSUBSCRIBE reply"

    monkeypatch.setattr(pubsub, "get_message", get_message)
    monkeypatch.setattr(pubsub, "close", closed)
    monkeypatch.setattr(pubsub, "unsubscribe", unsubscribe)

    worker.unsubscribe()

    assert not listener.is_alive()
    assert not waited_for_a_subscription.is_set(), "the listener outlived the worker's stop"
