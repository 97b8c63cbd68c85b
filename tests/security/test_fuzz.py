"""Property-based fuzzing of the three parsers that take outside input, beyond what tests/sync and
tests/alerts already fuzz:

* the webhook receiver over HTTP: arbitrary bodies (activity-shaped or not, JSON or not), content types
  and headers, with the valid secret — only 200/202/400/413/415/422, a row stored exactly when 202, and
  nothing of the other tenant ever touched; explicit cases pin the crashes the fuzzing found;
* the rule matcher: conditions/actions with arbitrary JSON values (tests/alerts fuzzes typed values),
  stored rows, facts with arbitrary text (any code point), and the rule form over HTTP;
* the device mapper: arbitrarily nested dicts under any key, non-dict devices, any keyword arguments
  (tests/sync fuzzes one level of schema-shaped fields).

Strategies stay within two limits pinned by the ``BUG`` tests at the end (integers beyond float range,
lone surrogates, nesting deeper than a few hundred levels), so the properties keep guarding everything else.
"""

from __future__ import annotations

import json
import math
from inspect import isclass
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, fields
from sqlalchemy import func, select

from flask_ninjaone.alerts.catalog import ACTIVITY_TYPES, CONDITION_STATUS_CODES, NODE_CLASSES, SEVERITIES
from flask_ninjaone.alerts.rules import (
    AlertFacts,
    RuleActionsSchema,
    RuleConditionsSchema,
    RuleSpec,
    describe_actions,
    first_match,
    load_rule,
    make_rule,
    matches,
    mismatch,
    validate_conditions,
)
from flask_ninjaone.client.schemas import DEVICE_SHAPES
from flask_ninjaone.host import AssetRecord
from flask_ninjaone.models import Alert, AlertRule, WebhookDelivery
from flask_ninjaone.sync.asset_records import to_asset_record
from sample_host.database import db
from tests.support.security_routes import RULE_FORM
from tests.support.security_world import PREFIX, post_delivery, state_changes, tenant_db

FUZZ = settings(
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# -- building blocks ---------------------------------------------------------------------------------------

#: Any code point but lone surrogates (see test_a_lone_surrogate_*).
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
_hostile = st.sampled_from(
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "\x00", "日本語", "'; --"]
)
_string = _text | _hostile
#: Integers of a 64-bit column (the receiver's ids beyond it: see test_an_id_beyond_64_bits_*).
_int = st.integers(-(2**63), 2**63 - 1)
#: Integers up to 2**1000, still convertible to float (see test_an_epoch_beyond_float_range_*).
_big_int = st.integers(-(2**1000), 2**1000)
_float = st.floats(allow_nan=False, allow_infinity=False)
_leaf = st.none() | st.booleans() | _int | _float | _string
_big_leaf = st.none() | st.booleans() | _big_int | _float | _string
_json = st.recursive(
    _leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(_string, c, max_size=4), max_leaves=15
)


def _uid() -> st.SearchStrategy[str]:
    return st.uuids().map(str)


# -- the webhook receiver ----------------------------------------------------------------------------------

STATUS_CODES = [
    "TRIGGERED", "RESET", "ACKNOWLEDGED", "NODE_CREATED", "NODE_UPDATED", "NODE_DELETED",
    "NODE_MANUALLY_APPROVED",
    "NODE_MANUALLY_REJECTED", "SYSTEM_REBOOTED", "USER_LOGGED_IN", "CPU_ADDED", "DISK_VOLUME_REMOVED",
    "PATCH_MANAGEMENT_FAILED", "ANTIVIRUS_THREAT_QUARANTINED", "SOMETHING_NEW",
]  # fmt: skip
ACTIVITY_CATEGORIES = ["CONDITION", "SYSTEM", "PATCH_MANAGEMENT", "ANTIVIRUS", "ACTIONSET"]
_epoch_text = st.from_regex(r"\d{1,12}\.\d{1,9}", fullmatch=True)
_device = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers(-3, 40) | st.just(100001) | _json,
        "organizationId": st.integers(-3, 8) | _json,
        "locationId": st.integers(-3, 20) | _json,
        "nodeClass": st.sampled_from(NODE_CLASSES) | _json,
        "systemName": _string | _json,
        "offline": st.booleans() | _json,
        "references": st.fixed_dictionaries(
            {}, optional={"organization": st.dictionaries(_string, _json, max_size=3), "location": _json}
        )
        | _json,
    },
)
_activity = st.fixed_dictionaries(
    {"id": st.integers(10**6, 10**6 + 300) | _int | _json},
    optional={
        "activityTime": st.floats(0, 4e12) | st.integers(0, 4 * 10**12) | _epoch_text | _json,
        "deviceId": st.integers(-3, 40) | st.just(100001) | _json,
        "activityType": st.sampled_from(ACTIVITY_CATEGORIES) | _json,
        "statusCode": st.sampled_from(STATUS_CODES) | _json,
        "seriesUid": _uid() | _json,
        "sourceConfigUid": _uid() | _json,
        "sourceName": _string | _json,
        "severity": st.sampled_from(SEVERITIES) | _json,
        "priority": st.sampled_from(["NONE", "LOW", "MEDIUM", "HIGH"]) | _json,
        "message": _string | _json,
        "subject": _string | _json,
        "status": _string | _json,
        "type": _string | _json,
        "userId": _int | _json,
        "data": st.dictionaries(_string, _json, max_size=4) | _json,
        "device": _device | _json,
    },
)  # fmt: skip
#: Plus keys NinjaOne may add one day (the schema keeps unknown fields).
_activity = st.builds(
    lambda extra, known: {**extra, **known}, st.dictionaries(_text, _json, max_size=2), _activity
)
_body = st.one_of(
    _activity.map(json.dumps),
    _activity.map(lambda activity: json.dumps(activity, indent=1).encode("utf-16")),
    _json.map(json.dumps),
    st.binary(max_size=200),
    _text,
    st.sampled_from(
        ['{"id": NaN}', '{"id": Infinity}', '{"id": 1,}', "", "null", "[]", '{"id": 1e999}', "\ufeff{}"]
    ),
)
_content_type = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain",
     "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json-patch+json",
     ""]
)  # fmt: skip
_headers = st.dictionaries(
    st.sampled_from(["Content-Encoding", "X-Forwarded-For", "X-NinjaOne-Event", "Accept", "Expect"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    max_size=3,
)
RECEIVER_STATUSES = {200, 202, 400, 413, 415, 422}


def _stored(app) -> int:
    with app.app_context():
        with db.engine.connect() as connection:
            count = connection.execute(select(func.count()).select_from(WebhookDelivery.__table__)).scalar()
        db.session.remove()
    return int(count or 0)


def test_the_receiver_answers_any_delivery_cleanly(world) -> None:
    app, acme, globex = world.app, world.acme, world.globex
    before = world.state()
    statuses: set[int] = set()

    @FUZZ
    @given(body=_body, content_type=_content_type, headers=_headers)
    def check(body: Any, content_type: str, headers: dict[str, str]) -> None:
        stored = _stored(app)
        response = app.test_client().post(
            acme.receiver_path,
            data=body,
            content_type=content_type,
            headers={**headers, "X-NinjaOne-Webhook-Secret": acme.webhook_secret},
        )
        status = response.status_code
        statuses.add(status)
        assert status in RECEIVER_STATUSES, (status, response.get_data(as_text=True)[:300])
        assert _stored(app) == stored + (1 if status == 202 else 0), status
        assert acme.webhook_secret not in response.get_data(as_text=True)

    check()
    assert {202, 415} <= statuses, f"the fuzzing never reached some outcomes: {statuses}"
    touched = [str(c) for c in state_changes(before, world.state()) if c.owner == globex.tenant_id]
    assert not touched, "\n".join(touched)


# -- the rule matcher --------------------------------------------------------------------------------------

_condition_keys = st.sampled_from(sorted(RuleConditionsSchema().fields)) | _text
_action_keys = st.sampled_from(sorted(RuleActionsSchema().fields)) | _text
_typed = {
    "severities": st.lists(st.sampled_from(SEVERITIES), max_size=3),
    "activity_types": st.lists(st.sampled_from(ACTIVITY_TYPES), max_size=3),
    "status_codes": st.lists(st.sampled_from(CONDITION_STATUS_CODES), max_size=2),
    "device_classes": st.lists(st.sampled_from(NODE_CLASSES), max_size=2),
    "conditions": st.lists(_string, max_size=3),
    "message_contains": _string,
    "message_regex": st.text(alphabet="ab()[]+*?{}|\\.^$,0123456789", max_size=20),
}
_conditions = st.dictionaries(_condition_keys, _json, max_size=5) | st.fixed_dictionaries({}, optional=_typed)
_actions = st.dictionaries(_action_keys, _json, max_size=5)
_any_text = st.none() | st.text(max_size=60) | _hostile  # lone surrogates included: the matcher never encodes
_facts = st.builds(
    AlertFacts,
    series_uid=st.text(max_size=20),
    severity=st.sampled_from(SEVERITIES) | st.text(max_size=10),
    priority=_any_text,
    activity_type=_any_text | st.sampled_from(ACTIVITY_TYPES),
    status_code=_any_text | st.sampled_from(CONDITION_STATUS_CODES),
    source_config_uid=_any_text,
    source_name=_any_text,
    condition_name=_any_text,
    message_code=_any_text,
    message=_any_text | st.text(max_size=5000),
    subject=_any_text,
    organization_id=st.none() | st.integers(),
    device_id=st.none() | st.integers(),
    device_name=_any_text,
    node_class=_any_text | st.sampled_from(NODE_CLASSES),
    role_id=st.none() | st.integers(),
)


@FUZZ
@given(conditions=_conditions, actions=_actions, facts=_facts, catch_all=st.booleans())
def test_rules_from_arbitrary_json_validate_or_fail_cleanly(conditions, actions, facts, catch_all) -> None:
    try:
        rule = make_rule(name="fuzz", conditions=conditions, actions=actions, catch_all=catch_all)
    except ValidationError as exc:
        assert exc.messages
        return
    assert isinstance(rule, RuleSpec)
    json.dumps(validate_conditions(conditions))
    result = matches(rule, facts)
    assert isinstance(result, bool)
    reason = mismatch(rule.conditions, facts)
    assert reason is None or isinstance(reason, str)
    assert result == (catch_all or reason is None)
    assert first_match([rule], facts) is (rule if result else None)
    assert isinstance(describe_actions(rule.actions, facts.severity), str)


@FUZZ
@given(conditions=st.dictionaries(_condition_keys, _json, max_size=5), actions=_actions, name=_text)
def test_stored_rules_load_or_fail_cleanly(conditions, actions, name) -> None:
    """What a rule row holds (any JSON object, e.g. written by an older version) loads or raises
    ValidationError, which the rules page and the alert handling catch."""
    row = SimpleNamespace(
        id=1, name=name, position=1, active=True, catch_all=False, conditions=conditions, actions=actions,
        integration_id=None,
    )  # fmt: skip
    try:
        spec = load_rule(row)
    except ValidationError:
        return
    assert isinstance(spec, RuleSpec)


_rule_form = st.fixed_dictionaries(
    {},
    optional={
        "name": _text,
        "active": st.sampled_from(["y", "", "on", "0"]),
        "catch_all": st.sampled_from(["y", ""]),
        "severities": st.lists(st.sampled_from(SEVERITIES) | _text, max_size=3),
        "activity_types": st.lists(st.sampled_from(ACTIVITY_TYPES) | _text, max_size=2),
        "status_codes": st.lists(st.sampled_from(CONDITION_STATUS_CODES) | _text, max_size=2),
        "conditions": _text,
        "organization_ids": st.lists(st.integers(-2, 10).map(str) | _text, max_size=2),
        "device_classes": st.lists(st.sampled_from(NODE_CLASSES) | _text, max_size=2),
        "role_ids": _text
        | st.lists(st.integers(-5, 10**20), max_size=3).map(lambda v: ", ".join(map(str, v))),
        "message_contains": _text,
        "message_regex": st.text(alphabet="ab()[]+*?{}|\\.^$,0123456789", max_size=30) | _text,
        "mode": st.sampled_from(["create_ticket", "record_only"]) | _text,
        "priority": st.sampled_from(["", "urgent", "high", "medium", "low"]) | _text,
        "board": _text,
        "assignee_id": st.integers(-1, 10).map(str) | _text,
        "notify_user_ids": st.lists(st.integers(-1, 10).map(str) | _text, max_size=2),
        "close_on_reset": st.sampled_from(["y", ""]),
        "reopen_window_hours": st.integers(-5, 10**6).map(str) | _text,
        "flap_cycles": st.integers(-5, 500).map(str) | _text,
        "flap_minutes": st.integers(-5, 5000).map(str) | _text,
        "preview": st.just("1"),
    },
)


def test_the_rule_form_takes_any_input(world) -> None:
    client = world.client("admin")
    outcomes: set[int] = set()

    @FUZZ
    @given(form=_rule_form)
    def check(form: dict[str, Any]) -> None:
        response = client.post(PREFIX + "/rules/new", data={**RULE_FORM, **form})
        outcomes.add(response.status_code)
        assert response.status_code in (200, 302, 400), (response.status_code, form)
        if response.status_code == 200:
            assert "preview" in form

    check()
    assert {302, 400} <= outcomes
    with tenant_db(world.app, "acme") as session:
        rules = session.scalars(select(AlertRule)).all()
        assert len(rules) > 1
        for rule in rules:
            load_rule(rule)  # everything the form saved is a valid rule
    assert world.client("admin").get(PREFIX + "/rules/").status_code == 200


# -- the device mapper -------------------------------------------------------------------------------------


def _schema_field_names() -> list[str]:
    names: set[str] = set()
    pending = list(set(DEVICE_SHAPES.values()))
    seen: set[type] = set()
    while pending:
        schema = pending.pop()
        if schema in seen:
            continue
        seen.add(schema)
        for name, field in schema._declared_fields.items():  # type: ignore[attr-defined]
            names.add(name)
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Nested):
                nested = inner.nested
                pending.append(nested if isclass(nested) else type(nested))
    return sorted(names)


_device_key = st.sampled_from(_schema_field_names()) | _text
_nested = st.recursive(
    _big_leaf | st.datetimes(),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(_device_key, c, max_size=6),
    max_leaves=40,
)
_any_device = st.one_of(
    st.builds(
        lambda d, i: {**d, "id": i},
        st.dictionaries(_device_key, _nested, max_size=12),
        st.integers(-(2**64), 2**64) | _big_leaf,
    ),
    st.dictionaries(_device_key, _nested, max_size=12),
    _nested,
)  # fmt: skip


@FUZZ
@given(
    device=_any_device,
    client_id=_big_leaf,
    host_asset_id=st.none() | _text,
    location_name=_nested,
    ninjaone_url=_nested,
)
def test_the_mapper_maps_or_raises_value_error(
    device, client_id, host_asset_id, location_name, ninjaone_url
) -> None:
    try:
        record = to_asset_record(
            device, client_id=client_id, host_asset_id=host_asset_id, location_name=location_name,
            ninjaone_url=ninjaone_url,
        )  # fmt: skip
    except ValueError:
        return
    assert isinstance(record, AssetRecord)
    assert isinstance(record.name, str) and record.name
    assert record.client_id == client_id and record.host_asset_id == host_asset_id
    assert record.location_name is None or isinstance(record.location_name, str)
    assert record.ninjaone_url is None or isinstance(record.ninjaone_url, str)
    for value in (record.ram_gb, record.storage_total_gb):
        assert value is None or math.isfinite(value)
    hash(record)


# -- crashes the fuzzing found (all fixed; kept as regression tests) ---------------------------------

HUGE = 10**400  # a valid JSON number; float() of it raises OverflowError


def test_an_epoch_beyond_float_range_is_a_422(world) -> None:
    response = post_delivery(
        world.app, world.acme.receiver_path, world.acme.webhook_secret, {"id": 4242001, "activityTime": HUGE}
    )
    assert response.status_code == 422


@pytest.mark.parametrize("field", ["id", "deviceId"])
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1], ids=["2**63", "-2**63-1"])
def test_an_id_beyond_64_bits_is_a_422(world, field: str, value: int) -> None:
    body = {"id": 4242010, "activityType": "SYSTEM", "statusCode": "NODE_UPDATED", field: value}
    response = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, body)
    assert response.status_code == 422


def test_an_epoch_beyond_float_range_maps_to_no_time() -> None:
    record = to_asset_record(
        {"id": 1, "lastContact": HUGE},
        client_id="1",
        host_asset_id=None,
        location_name=None,
        ninjaone_url=None,
    )
    assert record.last_seen is None


@pytest.mark.parametrize("depth", [500, 100_000])
def test_a_deeply_nested_body_is_refused(world, depth: int) -> None:
    body = '{"id": 4242002, "activityTime": 1, "data": {"x": ' + "[" * depth + "]" * depth + "}}"
    stored = _stored(world.app)
    response = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, body.encode())
    assert response.status_code in (400, 413, 422)
    assert _stored(world.app) == stored


def test_a_lone_surrogate_in_a_field_is_not_a_500(world) -> None:
    body = '{"id": 4242003, "activityType": "SYSTEM", "statusCode": "NODE_\\ud800"}'
    response = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, body.encode())
    assert response.status_code in (202, 400, 422)


def test_a_truncated_emoji_in_an_alert_message_still_records_the_alert(world) -> None:
    body = json.dumps(
        {"id": 4242004, "activityType": "CONDITION", "statusCode": "TRIGGERED", "seriesUid": "fuzz-series-1",
         "severity": "MAJOR", "deviceId": world.acme.device_id, "message": "Disk almost full \ud83d"}
    )  # fmt: skip
    response = post_delivery(world.app, world.acme.receiver_path, world.acme.webhook_secret, body.encode())
    assert response.status_code == 202
    with tenant_db(world.app, "acme") as session:
        assert session.scalars(select(Alert).where(Alert.series_uid == "fuzz-series-1")).first() is not None


@pytest.mark.parametrize("stored", [["severities"], "MAJOR", 5])
def test_a_rule_row_with_non_object_conditions_fails_cleanly(world, stored) -> None:
    with tenant_db(world.app, "acme") as session:
        rule = session.scalars(select(AlertRule).where(AlertRule.id == world.acme.rule_id)).one()
        rule.conditions = stored
        session.commit()
    assert world.client("admin").get(PREFIX + "/rules/").status_code == 200
