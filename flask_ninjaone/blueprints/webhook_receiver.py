"""``POST /webhooks/ninjaone/<public id>``: authenticate, validate, store, enqueue, answer fast.

NinjaOne does not sign deliveries; the only authentication is a per-integration secret we ask it to
send in a custom header, compared in constant time, plus an unguessable URL. Everything is checked
before the body is parsed, and nothing is stored for a rejected request.
"""

from __future__ import annotations

import json
import time

from flask import Blueprint, Flask, jsonify, request
from marshmallow import ValidationError, fields
from werkzeug.wrappers import Response

from ..client.schemas import ActivitySchema
from ..config import setting
from ..state import get_state
from ..tenancy import tenant_scope
from ..webhooks import inbox
from ..webhooks import receiver_cache as receivers
from ..webhooks.ratelimited_log import rejections
from ..webhooks.receiver_cache import Receiver
from ..webhooks.registration import secret_matches

bp = Blueprint("ninjaone_webhooks", __name__)  # exempted from CSRF by the extension (any init order)


class DeliverySchema(ActivitySchema):
    """What the receiver checks before storing: the activity's own fields, and of the expanded
    ``device`` only that it is an object.

    Loading the nested device was 80 % of the receiver's validation and the worker loads the whole
    activity again before acting on it; a delivery whose device is malformed is stored and ends
    ``failed`` at its first attempt, with the schema's message, visible in the inbox.
    """

    device = fields.Dict()  # type: ignore[assignment]  # a field replaced by another kind is the point


_delivery_schema = DeliverySchema()


def _reject(status: int, reason: str, detail: str | None = None) -> Response:
    rejections.warning(reason, request.remote_addr)
    body = {"error": detail} if detail else {}
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _clean_text(value: object) -> object:
    """Make every string storable without losing the delivery: drop NUL characters (PostgreSQL
    cannot store ``\\u0000``) and replace lone surrogates (half an emoji cut by a UTF-16 source)
    with U+FFFD, which would otherwise fail every processing attempt."""
    if isinstance(value, str):
        if not value.isascii():
            value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean_text(item) for item in value]
    if isinstance(value, dict):
        return {_clean_text(key): _clean_text(item) for key, item in value.items()}
    return value


#: A body with at most this many ``[`` and ``{`` is nested no deeper than that: far from the depth at
#: which walking it fails (and the delivery is refused as nested too deeply).
_SHALLOW_BRACKETS = 256


def _may_need_cleaning(body: bytes) -> bool:
    """Whether the parsed body must be walked by :func:`_clean_text`.

    JSON cannot carry a raw control character in a string, so a NUL or a lone surrogate arrives as a
    ``\\u`` escape or, for a surrogate, as non-ASCII bytes (``json`` decodes with ``surrogatepass``).
    A plain ASCII body without escapes and without deep nesting (the usual delivery) skips the walk
    over every string; the rest is walked and refused there if nested too deeply, as before.
    """
    return b"\\u" in body or not body.isascii() or body.count(b"[") + body.count(b"{") > _SHALLOW_BRACKETS


def _authenticate(public_id: str, presented: str | None, *, fresh: bool = False) -> Receiver | Response:
    """The receiver if ``presented`` is one of its secrets, else the 404/401 answer.

    A cached copy that refuses the secret is read again before refusing: it may predate a rotation.
    """
    started = time.monotonic()
    receiver = receivers.find(public_id, fresh=fresh)
    if receiver is not None and receiver.read_at < started and not secret_matches(receiver, presented):
        receiver = receivers.find(public_id, fresh=True)
    if receiver is None:
        return _reject(404, "unknown receiver id")
    if not secret_matches(receiver, presented):
        return _reject(401, "missing or wrong secret")
    return receiver


@bp.post("/<public_id>")
def receive(public_id: str) -> Response | tuple[Response, int]:
    """Accept one NinjaOne activity delivery."""
    presented = request.headers.get(setting("NINJAONE_WEBHOOK_HEADER"))
    receiver = _authenticate(public_id, presented)
    if isinstance(receiver, Response):
        return receiver
    limit = setting("NINJAONE_WEBHOOK_MAX_BODY")
    if request.content_length is not None and request.content_length > limit:
        return _reject(413, "body too large", f"body larger than {limit} bytes")
    if request.mimetype != "application/json":
        return _reject(415, "wrong content type", "Content-Type must be application/json")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        return _reject(413, "body too large", f"body larger than {limit} bytes")
    try:
        raw = json.loads(body, parse_constant=_reject_constant)
        if _may_need_cleaning(body):
            raw = _clean_text(raw)
    except RecursionError:
        return _reject(400, "invalid JSON", "body is nested too deeply")
    except (ValueError, UnicodeError):
        return _reject(400, "invalid JSON", "body is not valid JSON (or holds text that is not Unicode)")
    if not isinstance(raw, dict):
        return _reject(422, "not an activity", "body must be a JSON object (a NinjaOne activity)")
    try:
        activity = _delivery_schema.load(raw)
    except ValidationError as exc:
        return _reject(422, "not an activity", f"not a NinjaOne activity: {exc.messages}")

    engine = get_state().db.engine
    with tenant_scope(receiver.tenant_id):
        try:
            delivery = inbox.store(engine, receiver, activity, raw)
        except inbox.ReceiverChanged:
            # Rotated, disconnected or re-keyed since this process read it: decide on what is stored now.
            receiver = _authenticate(public_id, presented, fresh=True)
            if isinstance(receiver, Response):
                return receiver
            try:
                delivery = inbox.store(engine, receiver, activity, raw)
            except inbox.ReceiverChanged:
                return _reject(503, "integration changing", "the integration is being changed; retry")
        if delivery is None:
            return jsonify({"status": "duplicate"}), 200
        inbox.ring(delivery.tenant_id)
        return jsonify({"status": "accepted", "id": delivery.id}), 202


def register(app: Flask) -> None:
    """Mount the receiver outside the pages' prefix."""
    app.register_blueprint(bp, url_prefix="/" + setting("NINJAONE_WEBHOOK_PREFIX", app).strip("/"))
