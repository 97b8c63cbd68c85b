"""Storing deliveries and getting them processed, even when Redis is down.

A delivery is committed to the inbox before anything else happens, unique per (integration,
activity id): a repeat is acknowledged and never processed twice. Getting it processed is a second,
separate step: ringing the tenant's doorbell so a drain job processes its due deliveries in order.
If that fails (Redis down) the row stays ``pending`` and the sweeper or ``flask ninjaone inbox
replay`` rings later. Nothing accepted is ever lost.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from ..config import setting
from ..dml import rows_matched
from ..jobs import enqueue, enqueue_at, redis_connection
from ..models import DeliveryStatus, Integration, WebhookDelivery
from ..models.base import UTCDateTime, table_of, utcnow
from ..tenancy import require_tenant_id
from .receiver_cache import Receiver

log = logging.getLogger(__name__)

#: A due delivery older than this was not enqueued (or its drain was lost): the sweeper rings for it.
STALE_AFTER = timedelta(seconds=60)
#: A doorbell no drain has silenced for this long (its job was lost) lets the next delivery ring again.
DOORBELL_SECONDS = 60
#: Delays (seconds) between processing retries of a failing delivery.
RETRY_INTERVALS = (10, 60, 300, 900)
#: Processing attempts before a delivery is left ``failed`` for a human to look at.
MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1


@dataclass(frozen=True)
class Stored:
    """What the receiver needs of a stored delivery: its id for the answer, its tenant to ring for."""

    id: int
    tenant_id: str


class ReceiverChanged(Exception):
    """The integration's secrets (or the integration) changed since the receiver read them."""


_deliveries = table_of(WebhookDelivery)
_integrations = table_of(Integration)

#: One round trip stores a delivery *and* proves the receiver's view of the integration is current:
#: the row is selected from the integration only while its secret columns still hold the ciphertext
#: the receiver authenticated against, and the grace of the previous one has
#: not been moved (see :mod:`.receiver_cache`). Casts keep NULLs typed on PostgreSQL.
_STORE = (
    insert(_deliveries)
    .from_select(
        [
            "tenant_id",
            "integration_id",
            "activity_id",
            "activity_type",
            "status_code",
            "device_id",
            "series_uid",
            "payload",
            "status",
            "attempts",
            "received_at",
        ],  # fmt: skip
        select(
            _integrations.c.tenant_id,
            _integrations.c.id,
            cast(bindparam("activity_id"), BigInteger),
            cast(bindparam("activity_type"), String(64)),
            cast(bindparam("status_code"), String(64)),
            cast(bindparam("device_id"), BigInteger),
            cast(bindparam("series_uid"), String(64)),
            bindparam("payload", type_=_deliveries.c.payload.type),
            literal(DeliveryStatus.PENDING.value, String(16)),
            literal(0, Integer),
            bindparam("received_at", type_=_deliveries.c.received_at.type),
        ).where(
            _integrations.c.id == bindparam("integration_id"),
            type_coerce(_integrations.c.webhook_secret, Text).is_not_distinct_from(
                bindparam("secret_ciphertext", type_=Text)
            ),
            type_coerce(_integrations.c.webhook_previous_secret, Text).is_not_distinct_from(
                bindparam("previous_ciphertext", type_=Text)
            ),
            _integrations.c.webhook_previous_secret_expires_at.is_not_distinct_from(
                bindparam("previous_expires_at", type_=UTCDateTime())
            ),
        ),
    )
    .returning(_deliveries.c.id)
)


def store(engine: Engine, receiver: Receiver, activity: dict[str, Any], raw: dict[str, Any]) -> Stored | None:
    """Insert the delivery, durably; ``None`` if this activity was already received (a duplicate).

    The statement runs on its own in autocommit: the database commits it before it answers, so the
    insert and its commit are one round trip instead of three (``BEGIN``, ``INSERT``, ``COMMIT``), and
    no ORM session is involved — round trips and session bookkeeping were most of the receiver's CPU.

    Raises :class:`ReceiverChanged` (nothing stored) when the integration no longer matches what
    ``receiver`` was read from: the caller reads it again and re-authenticates.
    """
    params = {
        "activity_id": activity["id"],
        "activity_type": activity.get("activityType"),
        "status_code": activity.get("statusCode"),
        "device_id": activity.get("deviceId"),
        "series_uid": activity.get("seriesUid"),
        "payload": raw,
        "received_at": utcnow(),
        "integration_id": receiver.integration_id,
        "secret_ciphertext": receiver.secret_ciphertext,
        "previous_ciphertext": receiver.previous_ciphertext,
        "previous_expires_at": receiver.webhook_previous_secret_expires_at,
    }
    delivery_id = _insert(engine, params)
    if delivery_id is _DUPLICATE:
        return None
    if delivery_id is None:
        raise ReceiverChanged(receiver.integration_id)
    return Stored(delivery_id, receiver.tenant_id)


#: What :func:`_insert` answers for an activity already in the inbox.
_DUPLICATE = -1


def _insert(engine: Engine, params: dict[str, Any]) -> int | None:
    """Run the inbox insert; a connection found dead is retried once on a new one.

    NinjaOne does not resend a delivery that got a 500, so a pooled connection the database (or a
    proxy) closed while idle must not cost one: SQLAlchemy invalidates the pool on a disconnect
    error, and the retry runs on a fresh connection. If the dead connection had committed the row
    after all, the retry meets the unique key and the delivery counts as a duplicate.

    The statement's parameters hold the integration's secret columns (ciphertext) and the payload,
    so a failure must never print them: the error is marked ``hide_parameters`` before it
    propagates to whatever logs it.
    """
    try:
        return _execute(engine, params)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        log.warning("ninjaone webhook inbox: database connection lost, retrying once")
    return _execute(engine, params)


def _execute(engine: Engine, params: dict[str, Any]) -> int | None:
    try:
        if engine.dialect.driver == "psycopg":
            return _execute_on_driver(engine, params)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return connection.execute(_STORE, params).scalar()
    except IntegrityError:
        return _DUPLICATE
    except DBAPIError as exc:
        exc.hide_parameters = True
        raise


@functools.cache
def _compiled(dialect: Dialect) -> SQLCompiler:
    """:data:`_STORE` compiled once per dialect (SQLAlchemy caches it too, behind a lookup per call)."""
    return _STORE.compile(dialect=dialect)


def _execute_on_driver(engine: Engine, params: dict[str, Any]) -> int | None:
    """The same statement, run by psycopg (PostgreSQL's driver, loaded by the engine: the package does
    not import it) itself on a connection of the engine's pool.

    SQLAlchemy's execution around one statement (connection and execution context, compiled cache
    lookup, parameter processing, result object) cost 0.3 ms of CPU per delivery, measured: more than
    psycopg running the statement, and a third of the receiver's own work. The pool, its
    ``pool_pre_ping`` and its checkout events still apply; the engine's statement events do not see
    this insert. Driver errors come out as SQLAlchemy's (``IntegrityError`` for a duplicate), with
    parameters hidden; after a connection the server dropped, the pool is replaced (its idle
    connections were the server's too), as SQLAlchemy invalidates it, and the error says so.
    """
    compiled = _compiled(engine.dialect)
    values = compiled.construct_params(params)
    values["payload"] = json.dumps(values["payload"])  # as the JSON type would; cast to jsonb in the SQL
    pooled = engine.raw_connection()
    try:
        driver: Any = pooled.driver_connection  # a psycopg connection, typed without importing psycopg
        driver.autocommit = True  # committed before it answers: one round trip, no BEGIN or COMMIT
        try:
            row = driver.execute(compiled.string, values).fetchone()
        finally:
            if not driver.broken:
                driver.autocommit = False  # as the pool hands connections out
    except engine.dialect.loaded_dbapi.Error as exc:
        dropped = engine.dialect.is_disconnect(exc, pooled.dbapi_connection, None)
        if dropped:  # the server's other connections are suspect too: SQLAlchemy drops the pool
            pooled.invalidate(exc)
            engine.dispose()
        raise DBAPIError.instance(
            compiled.string, values, exc, engine.dialect.loaded_dbapi.Error,
            hide_parameters=True, dialect=engine.dialect, connection_invalidated=dropped,
        ) from exc  # fmt: skip
    finally:
        pooled.close()
    return None if row is None else int(row[0])


def due(now: datetime) -> ColumnElement[bool]:
    """Deliveries an attempt may claim now: pending and past any backoff, or claimed by an attempt
    whose claim has lapsed (its worker was killed)."""
    return and_(
        WebhookDelivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.PROCESSING)),
        or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
    )


def _doorbell(tenant_id: str) -> str:
    return f"ninjaone:{setting('NINJAONE_QUEUE_NAME')}:webhooks:doorbell:{tenant_id}"


def ring(tenant_id: str, *, force: bool = False, key: str | None = None) -> bool:
    """See that a drain job will process the tenant's due deliveries; ``False`` (the rows stay
    pending, the sweeper retries) when the queue is unreachable.

    One job per delivery cost the receiver an RQ job record per request and the worker a fork per
    delivery (10 deliveries/s). Instead the receiver rings a per-tenant doorbell, one ``SET NX``:
    if it was already ringing, a drain is queued or running and will read this delivery — a drain
    silences the doorbell only once it finds nothing due, and then reads once more, so a delivery
    that found the doorbell ringing was committed before that last read, and one that found it
    silent queues the next drain. Only a newly rung doorbell (or ``force``: the sweeper, a replay,
    a drain handing over) enqueues. The doorbell expires, so a lost job delays the next drain by at most
    :data:`DOORBELL_SECONDS`. Without Redis the drain runs right here. A ``key`` gives the drain job a
    fixed id, so repeated rings collapse into the one still queued (the sweeper's).
    """
    connection = redis_connection()
    try:
        rung = connection is None or connection.set(_doorbell(tenant_id), 1, nx=True, ex=DOORBELL_SECONDS)
        if rung or force:
            enqueue(
                "webhooks.drain", tenant_id=tenant_id, key=key or uuid.uuid4().hex[:16], fresh=key is None
            )
    except (RedisError, OSError) as exc:
        log.warning("ninjaone webhooks of tenant %s stored but not enqueued (%s); the sweeper retries",
                    tenant_id, exc)  # fmt: skip
        return False
    except Exception:
        log.exception("ninjaone webhooks of tenant %s failed inline processing; they stay pending", tenant_id)
    return True


def silence(tenant_id: str) -> None:
    """Called by a drain that found nothing due, before it reads once more (see :func:`ring`)."""
    connection = redis_connection()
    if connection is not None:
        connection.delete(_doorbell(tenant_id))


def retry_later(tenant_id: str, at: datetime) -> None:
    """Queue a drain for when a failed delivery's backoff ends (one per tenant and instant).

    Without Redis nothing waits in a queue: a replay (or a later delivery's drain) picks it up.
    """
    if redis_connection() is not None:
        enqueue_at("webhooks.drain", tenant_id=tenant_id, at=at)


def sweep(session: Session, *, older_than: timedelta = STALE_AFTER) -> int:
    """See that a drain is coming for every tenant with a due delivery; returns how many it rang for.

    The workers run it every ``NINJAONE_SWEEP_SECONDS``, so it is cheap when all is well: for a
    tenant whose due deliveries are recent it rings the doorbell the ordinary way (one ``SET NX``;
    a ringing doorbell means a drain is queued or running and will read them) — that alone drains
    what was stored while Redis was down. It forces a drain only for a tenant with a delivery that
    waited longer than ``older_than`` (its drain was lost, or a backoff ended with no drain
    scheduled) or whose claim lapsed (its worker died: the dead drain's doorbell may still ring).
    A forced drain has a fixed job id, so sweeps repeating while it waits in the queue add nothing.
    Runs in the bound scope (system scope for the workers' sweep).
    """
    now = utcnow()
    overdue = or_(
        WebhookDelivery.received_at <= now - older_than, WebhookDelivery.status == DeliveryStatus.PROCESSING
    )
    tenants = session.execute(
        select(WebhookDelivery.tenant_id, func.max(case((overdue, 1), else_=0)))
        .where(due(now))
        .group_by(WebhookDelivery.tenant_id)
    ).all()
    return sum(1 for tenant_id, forced in tenants if ring(tenant_id, force=bool(forced), key="sweep"))


def replay(
    session: Session, *, include_failed: bool = False, integration_id: int | None = None
) -> tuple[int, bool]:
    """Make the bound tenant's waiting (and optionally failed) deliveries due now and queue a drain;
    ``integration_id``: only that instance's (the inbox page shows one instance).

    Returns how many deliveries were made due, and whether the drain was queued (``False``: the
    queue is unreachable, they stay pending for the scheduler tick).
    """
    count = _make_due(session, DeliveryStatus.PENDING, integration_id)
    if include_failed:
        count += _make_due(
            session, DeliveryStatus.FAILED, integration_id, status=DeliveryStatus.PENDING, attempts=0
        )
    session.commit()
    return count, count > 0 and ring(require_tenant_id(), force=True)


def _make_due(session: Session, waiting: DeliveryStatus, integration_id: int | None, **values: Any) -> int:
    statement = update(WebhookDelivery).where(WebhookDelivery.status == waiting)
    if integration_id is not None:
        statement = statement.where(WebhookDelivery.integration_id == integration_id)
    return rows_matched(session.execute(statement.values(next_attempt_at=None, **values)))
