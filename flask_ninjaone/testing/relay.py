"""Deliver the fake NinjaOne's webhooks into a Flask test client.

NinjaOne reaches a host over HTTP, but a Flask test client has no socket the fake could POST to. With
the fake's ``capture`` on, it keeps each delivery it would have sent; :class:`WebhookRelay` posts them
to the test client exactly as NinjaOne would (same path, the configured custom headers — the
integration's secret — and the JSON payload), and logs each outcome in the fake's delivery log like a
real POST. So a host's test goes through the real receiver: authentication, inbox, processing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from flask.testing import FlaskClient
    from werkzeug.test import TestResponse

    from .fake_ninjaone import FakeState


@dataclass
class WebhookRelay:
    """Captures the fake's deliveries and replays them into a test client on :meth:`deliver`."""

    state: FakeState

    def __post_init__(self) -> None:
        self.state.webhooks.capture = True

    def deliver(self, client: FlaskClient) -> list[TestResponse]:
        """POST every delivery captured since the last call to ``client``, oldest first; their
        responses in order (a delivery the receiver refused is logged with its status, not raised)."""
        responses = []
        for job in self.state.webhooks.take_captured():
            target = urlsplit(job.url)
            attempted_at = time.time()
            response = client.post(
                target.path, query_string=target.query, json=job.payload, headers=job.headers
            )
            self.state.webhooks.record(job, response.status_code, attempted_at=attempted_at)
            responses.append(response)
        return responses

    def discard(self) -> int:
        """Drop what was captured (e.g. the deliveries of a setup step); how many were dropped."""
        return len(self.state.webhooks.take_captured())
