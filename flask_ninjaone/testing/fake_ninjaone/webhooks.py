"""Webhook configuration per API client, and delivery of activities to it.

Like NinjaOne, a delivery is a plain JSON POST of the Activity with the configured custom headers and no
signature, no retry by the sender (a failed delivery is simply lost; the integration must reconcile), and
deliveries can repeat or arrive out of order (the control API produces both on demand).

Matching rules where the real documentation is silent: an absent or empty ``activities`` filter matches
every activity; an activity type mapped to an empty list matches every status code of that type; a
non-empty ``organizationIds`` restricts deliveries to devices of those organizations. Of the ``expand``
values only ``device`` changes the payload (it adds ``device`` with ``references.organization/location``).

Delivery runs on a small thread pool so a slow receiver never blocks the API call that caused the
activity; ``synchronous = True`` makes it happen before that call returns, for deterministic tests.
``capture = True`` POSTs nothing and keeps each delivery for :meth:`WebhookHub.take_captured`: a Flask
test client has no socket the fake could reach, so a test replays them into it instead
(``flask_ninjaone.testing.relay``).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from .enums import ACTIVITY_TYPES, STATUS_CODES

DELIVERY_TIMEOUT = 10.0


@dataclass(frozen=True)
class WebhookConfig:
    """One API client's ``PUT /v2/webhook`` body, validated."""

    url: str
    activities: dict[str, list[str]]
    expand: list[str]
    headers: list[dict[str, str]]
    organization_ids: list[int]

    @classmethod
    def from_json(cls, body: Any) -> WebhookConfig:
        """Validate a request body; raise ``ValueError`` with a message a developer can act on."""
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        url = body.get("url")
        if (
            not isinstance(url, str)
            or urlsplit(url).scheme not in ("http", "https")
            or not urlsplit(url).netloc
        ):
            raise ValueError("url must be an absolute http(s) URL")
        activities = body.get("activities") or {}
        if not isinstance(activities, dict):
            raise ValueError("activities must map activityType to a list of statusCode")
        for activity_type, codes in activities.items():
            if activity_type not in ACTIVITY_TYPES:
                raise ValueError(f"unknown activityType {activity_type!r}")
            if not isinstance(codes, list) or any(code not in STATUS_CODES for code in codes):
                raise ValueError(f"activities[{activity_type!r}] must be a list of known statusCode values")
        expand = body.get("expand") or []
        if not isinstance(expand, list) or not all(isinstance(item, str) for item in expand):
            raise ValueError("expand must be a list of strings")
        headers = body.get("headers") or []
        if not isinstance(headers, list) or not all(
            isinstance(header, dict)
            and isinstance(header.get("name"), str)
            and header["name"]
            and isinstance(header.get("value"), str)
            for header in headers
        ):
            raise ValueError("headers must be a list of {name, value} strings")
        organization_ids = body.get("organizationIds") or []
        if not isinstance(organization_ids, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) for item in organization_ids
        ):
            raise ValueError("organizationIds must be a list of integers")
        return cls(
            url,
            {key: list(value) for key, value in activities.items()},
            list(expand),
            [{"name": header["name"], "value": header["value"]} for header in headers],
            list(organization_ids),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "activities": self.activities,
            "expand": self.expand,
            "headers": self.headers,
            "organizationIds": self.organization_ids,
        }

    def wants(self, activity: dict[str, Any], organization_id: int | None) -> bool:
        if self.organization_ids and organization_id not in self.organization_ids:
            return False
        if not self.activities:
            return True
        codes = self.activities.get(activity["activityType"])
        return codes is not None and (not codes or activity["statusCode"] in codes)


@dataclass(frozen=True)
class Delivery:
    """One POST attempt: what was sent where, and what came back (status code, or the error)."""

    client_id: str
    url: str
    headers: dict[str, str]
    payload: dict[str, Any]
    attempted_at: float
    status_code: int | None
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "activity_id": self.payload.get("id"),
            "url": self.url,
            "headers": self.headers,
            "payload": self.payload,
            "attempted_at": self.attempted_at,
            "status_code": self.status_code,
            "error": self.error,
        }


@dataclass(frozen=True)
class DeliveryJob:
    """What NinjaOne would POST: to ``url``, with the configured ``headers``, the ``payload`` as JSON."""

    client_id: str
    url: str
    headers: dict[str, str]
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "url": self.url,
            "headers": self.headers,
            "payload": self.payload,
        }


@dataclass
class WebhookHub:
    """Webhook configurations, the delivery log, and the sender."""

    lock: threading.RLock
    synchronous: bool = False
    capture: bool = False
    _configs: dict[str, WebhookConfig] = field(default_factory=dict)
    _deliveries: list[Delivery] = field(default_factory=list)
    _captured: list[DeliveryJob] = field(default_factory=list)
    _pending: set[Future[None]] = field(default_factory=set)
    _executor: ThreadPoolExecutor | None = None

    def configure(self, client_id: str, config: WebhookConfig) -> None:
        with self.lock:
            self._configs[client_id] = config

    def remove(self, client_id: str) -> None:
        with self.lock:
            self._configs.pop(client_id, None)

    def config(self, client_id: str) -> WebhookConfig | None:
        with self.lock:
            return self._configs.get(client_id)

    def configs(self) -> dict[str, WebhookConfig]:
        with self.lock:
            return dict(self._configs)

    def deliveries(self) -> list[Delivery]:
        with self.lock:
            return list(self._deliveries)

    def clear_deliveries(self) -> None:
        with self.lock:
            self._deliveries.clear()

    def take_captured(self) -> list[DeliveryJob]:
        """The deliveries held since the last call (``capture`` on), oldest first; they are removed."""
        with self.lock:
            taken, self._captured = self._captured, []
        return taken

    def record(
        self, job: DeliveryJob, status_code: int | None, error: str | None = None, *, attempted_at: float
    ) -> None:
        """Log one delivery attempt and its outcome (a replayed capture is logged like a POST)."""
        with self.lock:
            self._deliveries.append(
                Delivery(job.client_id, job.url, job.headers, job.payload, attempted_at, status_code, error)
            )

    def send(self, jobs: list[DeliveryJob]) -> None:
        """Deliver in order now (synchronous), hand to the pool, or hold them (``capture``); never call
        this holding the lock."""
        if not jobs:
            return
        with self.lock:
            if self.capture:
                self._captured.extend(jobs)
                return
        if self.synchronous:
            for job in jobs:
                self._post(job)
            return
        with self.lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fake-ninjaone-webhook")
            for job in jobs:
                future = self._executor.submit(self._post, job)
                self._pending.add(future)
                future.add_done_callback(self._forget)

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery was attempted; False if ``timeout`` passed first."""
        with self.lock:
            pending = set(self._pending)
        return not wait(pending, timeout=timeout).not_done

    def close(self) -> None:
        with self.lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _forget(self, future: Future[None]) -> None:
        with self.lock:
            self._pending.discard(future)

    def _post(self, job: DeliveryJob) -> None:
        attempted_at = time.time()
        try:
            response = requests.post(job.url, json=job.payload, headers=job.headers, timeout=DELIVERY_TIMEOUT)
        except requests.RequestException as exc:
            self.record(job, None, f"{type(exc).__name__}: {exc}", attempted_at=attempted_at)
        else:
            self.record(job, response.status_code, attempted_at=attempted_at)
