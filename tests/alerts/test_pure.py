"""Maintenance windows, flapping, ticket text, events, panel filters and the enum catalog."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from flask_ninjaone.alerts import catalog
from flask_ninjaone.alerts.events import (
    ACKNOWLEDGE,
    OTHER,
    RESET,
    TRIGGER,
    ConditionEvent,
    json_safe,
    kind_of,
)
from flask_ninjaone.alerts.flapping import count_cycle, dump_times, load_times
from flask_ninjaone.alerts.maintenance import WindowSpec, active_window, applies_to, covers, validate_window
from flask_ninjaone.alerts.panel import AlertFilters, parse_filters
from flask_ninjaone.alerts.rules import AlertFacts
from flask_ninjaone.alerts.ticket_text import (
    DeviceContext,
    condition_label,
    format_params,
    ticket_description,
    ticket_title,
)
from flask_ninjaone.client.schemas import ActivitySchema, AlertSchema
from tests.support.shared import SAMPLES, SHARED_NINJAONE

T0 = datetime(2025, 3, 19, 12, 0, tzinfo=UTC)


# -- maintenance windows ------------------------------------------------------------------------------------


def _window(**fields) -> WindowSpec:
    return WindowSpec(name="w", **fields)


@pytest.mark.parametrize(
    ("window", "at", "expected"),
    [
        (_window(starts_at=T0, ends_at=T0 + timedelta(hours=2)), T0, True),
        (
            _window(starts_at=T0, ends_at=T0 + timedelta(hours=2)),
            T0 + timedelta(hours=2),
            False,
        ),  # end excluded
        (_window(starts_at=T0, ends_at=T0 + timedelta(hours=2)), T0 - timedelta(seconds=1), False),
        (_window(starts_at=T0, ends_at=T0 + timedelta(hours=2), active=False), T0, False),
        (_window(starts_at=T0), T0, False),  # one-off without end: never on
        # Daily 22:00 for 3 h in Berlin (UTC+1 in March before DST): 21:00-24:00 UTC.
        (
            _window(recurrence="daily", start_time="22:00", duration_minutes=180, timezone="Europe/Berlin"),
            datetime(2025, 3, 19, 21, 30, tzinfo=UTC),
            True,
        ),
        (
            _window(recurrence="daily", start_time="22:00", duration_minutes=180, timezone="Europe/Berlin"),
            datetime(2025, 3, 19, 23, 59, tzinfo=UTC),
            True,
        ),  # past local midnight, previous day's occurrence
        (
            _window(recurrence="daily", start_time="22:00", duration_minutes=180, timezone="Europe/Berlin"),
            datetime(2025, 3, 20, 0, 0, tzinfo=UTC),
            False,
        ),
        (
            _window(recurrence="daily", start_time="22:00", duration_minutes=180, timezone="Europe/Berlin"),
            datetime(2025, 3, 19, 20, 59, tzinfo=UTC),
            False,
        ),
        # After the DST change (UTC+2), 22:00 local is 20:00 UTC.
        (
            _window(recurrence="daily", start_time="22:00", duration_minutes=60, timezone="Europe/Berlin"),
            datetime(2025, 4, 2, 20, 30, tzinfo=UTC),
            True,
        ),
        (
            _window(recurrence="daily", start_time="22:00", duration_minutes=60, timezone="Europe/Berlin"),
            datetime(2025, 4, 2, 21, 30, tzinfo=UTC),
            False,
        ),
        # Weekly on Saturday (5) 01:00 for 4 h, New York. 2025-03-22 is a Saturday (EDT, UTC-4).
        (
            _window(
                recurrence="weekly",
                weekdays=(5,),
                start_time="01:00",
                duration_minutes=240,
                timezone="America/New_York",
            ),
            datetime(2025, 3, 22, 6, 0, tzinfo=UTC),
            True,
        ),
        (
            _window(
                recurrence="weekly",
                weekdays=(5,),
                start_time="01:00",
                duration_minutes=240,
                timezone="America/New_York",
            ),
            datetime(2025, 3, 23, 6, 0, tzinfo=UTC),
            False,
        ),  # Sunday
        # Weekly across midnight: Sunday 23:00 for 2 h covers Monday 00:30 (UTC).
        (
            _window(recurrence="weekly", weekdays=(6,), start_time="23:00", duration_minutes=120),
            datetime(2025, 3, 24, 0, 30, tzinfo=UTC),
            True,
        ),
        (
            _window(recurrence="weekly", weekdays=(0,), start_time="23:00", duration_minutes=120),
            datetime(2025, 3, 24, 0, 30, tzinfo=UTC),
            False,
        ),
        # Recurring window bounded by starts_at / ends_at.
        (
            _window(recurrence="daily", start_time="00:00", duration_minutes=1440, starts_at=T0),
            T0 - timedelta(hours=1),
            False,
        ),
        (
            _window(recurrence="daily", start_time="00:00", duration_minutes=1440, ends_at=T0),
            T0 + timedelta(hours=1),
            False,
        ),
        (
            _window(recurrence="daily", start_time="00:00", duration_minutes=1440, ends_at=T0),
            T0 - timedelta(hours=1),
            True,
        ),
        # Broken stored windows are never on.
        (_window(recurrence="daily", start_time="25:00", duration_minutes=60), T0, False),
        (
            _window(recurrence="daily", start_time="12:00", duration_minutes=60, timezone="Mars/Olympus"),
            T0,
            False,
        ),
        (_window(recurrence="monthly", start_time="12:00", duration_minutes=60), T0, False),
    ],
)
def test_covers(window: WindowSpec, at: datetime, expected: bool) -> None:
    assert covers(window, at) is expected


def test_scope_and_active_window() -> None:
    device_window = _window(device_id=7, starts_at=T0, ends_at=T0 + timedelta(hours=1))
    org_window = _window(organization_id=2, starts_at=T0, ends_at=T0 + timedelta(hours=1))
    everything = _window(starts_at=T0, ends_at=T0 + timedelta(hours=1))
    assert applies_to(device_window, device_id=7, organization_id=None)
    assert not applies_to(device_window, device_id=8, organization_id=2)
    assert applies_to(org_window, device_id=8, organization_id=2)
    assert not applies_to(org_window, device_id=8, organization_id=None)
    assert applies_to(everything, device_id=None, organization_id=None)
    assert active_window([device_window, org_window], device_id=9, organization_id=2, at=T0) is org_window
    assert active_window([device_window], device_id=9, organization_id=2, at=T0) is None
    with pytest.raises(ValueError):
        covers(everything, datetime(2025, 1, 1))  # naive


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "x"}, "starts_at"),
        ({"name": "x", "starts_at": "2025-01-02T00:00:00Z", "ends_at": "2025-01-01T00:00:00Z"}, "ends_at"),
        ({"name": "  ", "starts_at": "2025-01-01T00:00:00Z", "ends_at": "2025-01-02T00:00:00Z"}, "name"),
        ({"name": "x", "recurrence": "daily", "duration_minutes": 60}, "start_time"),
        ({"name": "x", "recurrence": "daily", "start_time": "7:00", "duration_minutes": 60}, "start_time"),
        ({"name": "x", "recurrence": "daily", "start_time": "07:00"}, "duration_minutes"),
        (
            {"name": "x", "recurrence": "daily", "start_time": "07:00", "duration_minutes": 20000},
            "duration_minutes",
        ),
        ({"name": "x", "recurrence": "weekly", "start_time": "07:00", "duration_minutes": 60}, "weekdays"),
        (
            {
                "name": "x",
                "recurrence": "weekly",
                "start_time": "07:00",
                "duration_minutes": 60,
                "weekdays": [7],
            },
            "weekdays",
        ),
        (
            {
                "name": "x",
                "recurrence": "daily",
                "start_time": "07:00",
                "duration_minutes": 60,
                "timezone": "../etc/passwd",
            },
            "timezone",
        ),
        ({"name": "x", "recurrence": "yearly"}, "recurrence"),
        (
            {
                "name": "x",
                "device_id": "7",
                "starts_at": "2025-01-01T00:00:00Z",
                "ends_at": "2025-01-02T00:00:00Z",
            },
            "device_id",
        ),
    ],
)
def test_invalid_windows(data: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_window(data)
    assert field in info.value.messages


def test_valid_window_is_normalized() -> None:
    data = validate_window(
        {
            "name": " Patch Tuesday ",
            "recurrence": "weekly",
            "weekdays": [1, 1, 3],
            "start_time": "22:00",
            "duration_minutes": 120,
            "timezone": "Europe/London",
            "organization_id": 2,
        }
    )
    assert data["name"] == "Patch Tuesday" and data["weekdays"] == [1, 3]
    assert (
        "Tuesday, Thursday at 22:00" in WindowSpec(**{**data, "weekdays": tuple(data["weekdays"])}).describe()
    )


@settings(max_examples=300, deadline=None)
@given(
    start=st.times().map(lambda t: t.strftime("%H:%M")),
    duration=st.integers(1, 7 * 24 * 60),
    zone=st.sampled_from(
        ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]
    ),
    at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
)
def test_recurring_windows_never_crash_and_daily_covers_weekly(start, duration, zone, at, weekdays) -> None:
    daily = _window(recurrence="daily", start_time=start, duration_minutes=duration, timezone=zone)
    weekly = _window(
        recurrence="weekly",
        weekdays=tuple(weekdays),
        start_time=start,
        duration_minutes=duration,
        timezone=zone,
    )
    if covers(weekly, at):
        assert covers(daily, at)
    if duration >= 24 * 60 + 120:  # longer than a day (plus any DST shift): a daily window is always on
        assert covers(daily, at)


# -- flapping ------------------------------------------------------------------------------------------------


def _replay(minutes_list, *, limit: int = 3, minutes: int = 60):
    """Feed cycles (minutes after T0, in the order given) through ``count_cycle`` like the lifecycle
    does: each call sees only what the previous one stored. Returns every intermediate state."""
    times: tuple[datetime, ...] = ()
    flapping = False
    history = []
    for offset in minutes_list:
        state = count_cycle(
            load_times(dump_times(times)),
            T0 + timedelta(minutes=offset),
            limit=limit,
            minutes=minutes,
            was_flapping=flapping,
        )
        times, flapping = state.times, state.flapping
        history.append(state)
    return history


def test_flapping_counts_cycles_in_a_sliding_window() -> None:
    history = _replay([0, 10, 20, 30, 40])
    assert [h.count for h in history] == [1, 2, 3, 4, 4]
    assert [h.flapping for h in history] == [False, False, False, True, True]
    assert [h.started_flapping for h in history] == [False, False, False, True, False]
    assert len(history[-1].times) == 4  # only the limit + 1 newest are kept
    quiet = _replay([0, 10, 20, 30, 40, 101])[-1]  # 61 minutes after the newest earlier cycle
    assert (quiet.count, quiet.flapping) == (1, False)


def test_a_burst_that_straddles_a_fixed_window_edge_flaps() -> None:
    """The reported case: 5 cycles in 63 minutes ("more than 3 in 60"). A window fixed at the first
    cycle ends at minute 60 and starts over with the 4th: it never flapped."""
    history = _replay([0, 50, 58, 61, 63])
    assert [h.flapping for h in history] == [False, False, False, False, True]
    assert history[-1].count == 4  # 50, 58, 61, 63
    assert history[-1].started_flapping


def test_window_edge_is_inclusive() -> None:
    assert _replay([0, 20, 40, 60])[-1].flapping  # exactly 60 minutes apart: within
    assert not _replay([0, 20, 40, 60.01])[-1].flapping


@pytest.mark.parametrize(("limit", "minutes"), [(1, 1), (3, 60), (5, 10)])
def test_flapping_limits(limit: int, minutes: int) -> None:
    history = _replay([step / 60 for step in range(limit + 1)], limit=limit, minutes=minutes)
    assert [h.flapping for h in history] == [step + 1 > limit for step in range(limit + 1)]
    with pytest.raises(ValueError):
        count_cycle((), T0, limit=0)
    with pytest.raises(ValueError):
        count_cycle((), T0, minutes=0)


def test_a_late_cycle_takes_its_place_in_time_order() -> None:
    state = count_cycle([T0 + timedelta(minutes=m) for m in (10, 20, 30)], T0 - timedelta(minutes=5))
    assert state.times[0] == T0 - timedelta(minutes=5) and state.times[-1] == T0 + timedelta(minutes=30)
    assert (state.count, state.flapping) == (4, True)  # -5 .. 30: four cycles within 60 minutes


def test_stored_times_survive_junk() -> None:
    assert load_times(None) == [] and load_times("x") == []
    assert load_times(["not a time", 5, "2025-03-19T12:00:00"]) == [T0]  # naive strings are UTC
    assert load_times(dump_times([T0])) == [T0]


def _brute_force(times: list[float], limit: int, minutes: int) -> bool:
    """Some window of ``minutes`` holds more than ``limit`` of ``times`` (minutes after T0)."""
    return any(sum(1 for t in times if start <= t <= start + minutes) > limit for start in times)


_offsets = st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(offsets=_offsets, limit=st.integers(1, 6), minutes=st.integers(1, 120))
def test_flapping_iff_some_window_holds_more_than_limit_cycles(offsets, limit, minutes) -> None:
    """In arrival order (late deliveries included): after every cycle, the problem is flapping iff the
    window of ``minutes`` ending at the newest cycle seen holds more than ``limit`` cycles; so it
    flapped at some point iff some window of ``minutes`` holds more than ``limit`` cycles."""
    history = _replay(offsets, limit=limit, minutes=minutes)
    for index, state in enumerate(history):
        seen = offsets[: index + 1]
        newest = max(seen)
        assert state.flapping is (sum(1 for t in seen if newest - minutes <= t) > limit)
        assert len(state.times) <= limit + 1
    if offsets == sorted(offsets):
        assert any(h.flapping for h in history) is _brute_force(offsets, limit, minutes)


# -- ticket text ---------------------------------------------------------------------------------------------

_SAMPLE_FACTS = AlertFacts(
    series_uid="e6b0b0bd-5753-445d-9e4a-71c08983cbd5",
    severity="MAJOR",
    source_config_uid="205b85b2-8a12-4123-834f-164be08b3314",
    source_name="_average_",
    message_code="vmm_cond_memory_usage_ge",
    message="Memory Utilization is greater than or equal to 80% for 5 minutes",
    device_id=7,
    device_name="192.168.50.43",
    triggered_at=datetime(2025, 3, 19, 13, 41, 15, tzinfo=UTC),
    params={"end_date": 1742391675556, "threshold": 80, "unit": "%", "value": 84.8, "nested": {"x": 1}},
)


def test_title_and_description() -> None:
    device = DeviceContext(
        device_id=7,
        name="esxi03",
        client="Example Consulting",
        organization="Example Consulting",
        location="Main Office",
        ip="192.168.50.43",
        os="VMware ESXi 8",
        last_user="admin",
        agent_status="online",
        node_class="VMWARE_VM_HOST",
        url="https://eu.ninjarmm.com/#/deviceDashboard/7/overview",
    )
    assert ticket_title(_SAMPLE_FACTS, device) == (
        "[NinjaOne Alert] Memory Utilization is greater than or equal to 80% for 5 minutes on esxi03"
    )
    text = ticket_description(_SAMPLE_FACTS, device, priority="high")
    for line in (
        "Severity: MAJOR (ticket priority high)",
        "Triggered: 2025-03-19 13:41:15 UTC",
        "Condition: _average_ (205b85b2-8a12-4123-834f-164be08b3314)",
        "  end_date: 2025-03-19 13:41:15 UTC",  # milliseconds made readable
        "  Client: Example Consulting",
        "  Location: Main Office",
        "  IP address: 192.168.50.43",
        "  OS: VMware ESXi 8",
        "  Last user: admin",
        "  Agent: online",
        "Open in NinjaOne: https://eu.ninjarmm.com/#/deviceDashboard/7/overview",
    ):
        assert line in text.splitlines(), line
    assert "nested" not in text


@pytest.mark.parametrize(
    ("facts", "label"),
    [
        (AlertFacts(condition_name="Disk full", message="m"), "Disk full"),
        (AlertFacts(message="line one\nline two"), "line one line two"),
        (AlertFacts(subject="41"), "41"),
        (
            AlertFacts(source_name="_average_", activity_type="CONDITION", status_code="TRIGGERED"),
            "CONDITION TRIGGERED",
        ),
        (AlertFacts(source_name="C:"), "C:"),
        (AlertFacts(), "Alert"),
        (AlertFacts(message="x" * 500), "x" * 149 + "…"),
    ],
)
def test_condition_label(facts: AlertFacts, label: str) -> None:
    assert condition_label(facts) == label


def test_title_without_device_name_and_with_hostile_text() -> None:
    assert ticket_title(AlertFacts(message="CPU", device_id=5)) == "[NinjaOne Alert] CPU on device 5"
    assert ticket_title(AlertFacts(message="CPU")) == "[NinjaOne Alert] CPU on unknown device"
    title = ticket_title(AlertFacts(message="a\x00b\x1b[31m<script>\nx", device_name="pc\r\n1"))
    assert title == "[NinjaOne Alert] ab[31m<script> x on pc 1"


@settings(max_examples=200, deadline=None)
@given(
    message=st.none() | st.text(max_size=6000),
    name=st.none() | st.text(max_size=300),
    params=st.dictionaries(
        st.text(max_size=10),
        st.integers() | st.floats(allow_nan=True) | st.text(max_size=50) | st.none(),
        max_size=40,
    ),
)
def test_ticket_text_is_bounded_and_single_line_titled(message, name, params) -> None:
    facts = AlertFacts(message=message, device_name=name, params=params, severity="MINOR")
    title = ticket_title(facts)
    assert "\n" not in title and len(title) < 260
    text = ticket_description(facts, DeviceContext(), priority="low")
    assert len(text) < 20_000 and "\x00" not in text
    assert len(format_params(params)) <= 25


# -- events -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("TRIGGERED", TRIGGER),
        ("RESET", RESET),
        ("RESET_BY_PSA_TICKET_CALLBACK", RESET),
        ("ACKNOWLEDGED", ACKNOWLEDGE),
        ("NODE_UPDATED", OTHER),
        (None, OTHER),
    ],
)
def test_kind_of(code, kind) -> None:
    assert kind_of(code) == kind


def test_event_from_the_real_sample() -> None:
    raw = json.loads((SAMPLES / "webhook-condition-triggered.json").read_text())
    event = ConditionEvent.from_activity(ActivitySchema().load(raw))
    assert event is not None and event.kind == TRIGGER
    assert event.series_uid == "e6b0b0bd-5753-445d-9e4a-71c08983cbd5" and event.activity_id == 177210
    assert event.at == datetime.fromtimestamp(1742391675.556, tz=UTC)
    assert event.organization_id == 2 and event.role_id == 9 and event.device_name == "192.168.50.43"
    assert event.message_code == "vmm_cond_memory_usage_ge" and event.params["end_date"] == 1742391675556
    json.dumps(event.payload)  # storable
    assert event.payload["activityTime"] == pytest.approx(1742391675.556)


def test_event_from_the_alerts_list_sample() -> None:
    raw = json.loads((SAMPLES / "alerts-list-item.json").read_text())[0]
    event = ConditionEvent.from_alert(AlertSchema().load(raw))
    assert event.kind == TRIGGER and event.activity_id is None and event.source == "reconciliation"
    assert event.series_uid == "50edcf11-de92-4ecb-955b-c8066488b6cc" and event.device_id == 33
    assert event.created_at == datetime.fromtimestamp(1730332915, tz=UTC)


def test_event_without_series_and_nul_characters() -> None:
    assert ConditionEvent.from_activity({"id": 1, "statusCode": "TRIGGERED"}) is None
    assert ConditionEvent.from_activity({"id": 1, "statusCode": "TRIGGERED", "seriesUid": "  "}) is None
    event = ConditionEvent.from_activity(
        {"id": 1, "statusCode": "RESET", "seriesUid": "s", "message": "a\x00b"}
    )
    assert event.message == "ab" and event.kind == RESET
    assert json_safe({"k\x00": ["v\x00", datetime(2025, 1, 1, tzinfo=UTC)]}) == {"k": ["v", 1735689600.0]}


# -- panel filters -------------------------------------------------------------------------------------------


def test_parse_filters_accepts_good_values() -> None:
    parsed = parse_filters(
        {
            "status": "Resolved",
            "severity": "major",
            "client": "3",
            "device": "42",
            "from": "2025-03-01",
            "to": "2025-03-31",
            "page": "2",
        },
        client_ids={"3"},
    )
    assert parsed.messages == []
    assert parsed.filters == AlertFilters(
        status="resolved",
        severity="MAJOR",
        client_id="3",
        device_id=42,
        date_from=date(2025, 3, 1),
        date_to=date(2025, 3, 31),
        page=2,
    )
    assert parsed.filters.as_args(page=None)["from"] == "2025-03-01"


@pytest.mark.parametrize(
    "args",
    [
        {"status": "exploded"},
        {"severity": "<script>"},
        {"client": "999"},
        {"device": "-1"},
        {"device": "1e9"},
        {"device": "9" * 30},
        {"from": "yesterday"},
        {"to": "2025-13-01"},
        {"from": "2025-03-10", "to": "2025-03-01"},
        {"page": "0"},
        {"page": "abc"},
        {"page": "99999999"},
    ],
)
def test_parse_filters_ignores_bad_values_with_a_message(args: dict) -> None:
    parsed = parse_filters(args, client_ids={"3"})
    assert parsed.filters == AlertFilters()
    assert len(parsed.messages) == 1


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["status", "severity", "client", "device", "from", "to", "page", "x"]),
        st.text(max_size=40),
    )
)
def test_parse_filters_never_raises(args: dict) -> None:
    parse_filters(args, client_ids={"1"})


# -- catalog -------------------------------------------------------------------------------------------------


def test_catalog_matches_the_spec_enums() -> None:
    enums = json.loads((SHARED_NINJAONE / "enums.json").read_text())
    assert list(catalog.SEVERITIES) == enums["Activity.severity"]
    assert list(catalog.ACTIVITY_TYPES) == enums["Activity.activityType"]
    assert sorted(catalog.NODE_CLASSES) == sorted(enums["Device.nodeClass"])
    assert set(catalog.CONDITION_STATUS_CODES) <= set(enums["Activity.statusCode"])
    assert set(catalog.DEFAULT_PRIORITY) == set(catalog.SEVERITIES)
    assert set(catalog.DEFAULT_PRIORITY.values()) <= set(catalog.TICKET_PRIORITIES)
