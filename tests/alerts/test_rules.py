"""Rule schema, matching, first match and priorities: tables and property-based fuzzing."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from flask_ninjaone.alerts.catalog import (
    ACTIVITY_TYPES,
    CONDITION_STATUS_CODES,
    NODE_CLASSES,
    SEVERITIES,
    TICKET_PRIORITIES,
)
from flask_ninjaone.alerts.patterns import (
    MAX_PATTERN_LENGTH,
    MAX_PROGRAM_SIZE,
    MAX_REGEX_SCAN,
    compile_message_regex,
    search_message,
)
from flask_ninjaone.alerts.rules import (
    AlertFacts,
    RuleActions,
    describe_actions,
    first_match,
    make_rule,
    matches,
    mismatch,
    ticket_priority,
    validate_actions,
    validate_conditions,
)

#: The issue's pattern: accepted by the old backtracking check, 26-36 s of a worker on 40 characters.
EIGHT_BOUNDED_REPEATS = ".{0,999}" * 8 + "XYZ"

FACTS = AlertFacts(
    series_uid="s1",
    severity="MAJOR",
    activity_type="CONDITION",
    status_code="TRIGGERED",
    source_config_uid="205b85b2-8a12-4123-834f-164be08b3314",
    source_name="_average_",
    message_code="vmm_cond_memory_usage_ge",
    message="Memory Utilization is greater than or equal to 80% for 5 minutes",
    organization_id=2,
    device_id=7,
    node_class="VMWARE_VM_HOST",
    role_id=9,
)


# -- schema ----------------------------------------------------------------------------------------------


def test_empty_conditions_and_default_actions() -> None:
    assert validate_conditions({}) == {
        "severities": [],
        "activity_types": [],
        "status_codes": [],
        "conditions": [],
        "organization_ids": [],
        "device_classes": [],
        "role_ids": [],
        "message_contains": None,
        "message_regex": None,
    }
    assert validate_actions({}) == {
        "mode": "create_ticket",
        "priority": None,
        "board": None,
        "assignee_id": None,
        "notify_user_ids": [],
        "close_on_reset": True,
        "reset_in_ninjaone_on_close": False,
        "reopen_window_hours": 0,
        "flap_cycles": 3,
        "flap_minutes": 60,
    }


def test_conditions_are_normalized() -> None:
    data = validate_conditions(
        {
            "severities": ["MAJOR", "MAJOR", "CRITICAL"],
            "conditions": ["  cpu ", "", "cpu"],
            "message_contains": "   ",
            "message_regex": "  disk (C|D):  ",
        }
    )
    assert data["severities"] == ["MAJOR", "CRITICAL"]
    assert data["conditions"] == ["cpu"]
    assert data["message_contains"] is None
    assert data["message_regex"] == "disk (C|D):"


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        ({"severities": ["URGENT"]}, "severities"),
        ({"severities": "MAJOR"}, "severities"),
        ({"activity_types": ["NOPE"]}, "activity_types"),
        ({"status_codes": ["NODE_CREATED"]}, "status_codes"),
        ({"device_classes": ["TOASTER"]}, "device_classes"),
        ({"organization_ids": ["2"]}, "organization_ids"),
        ({"organization_ids": [2.5]}, "organization_ids"),
        ({"organization_ids": [True]}, "organization_ids"),
        ({"organization_ids": [-1]}, "organization_ids"),
        ({"role_ids": ["x"]}, "role_ids"),
        ({"message_regex": "([a-z"}, "message_regex"),
        ({"message_regex": EIGHT_BOUNDED_REPEATS}, "message_regex"),
        ({"message_regex": r"(\w)\1"}, "message_regex"),
        ({"message_regex": "x" * (MAX_PATTERN_LENGTH + 1)}, "message_regex"),
        ({"message_contains": "x" * 256}, "message_contains"),
        ({"conditions": ["x"] * 201}, "conditions"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_conditions(conditions: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_conditions(conditions)
    assert field in info.value.messages


@pytest.mark.parametrize(
    ("actions", "field"),
    [
        ({"mode": "page_someone"}, "mode"),
        ({"priority": "critical"}, "priority"),
        ({"reopen_window_hours": -1}, "reopen_window_hours"),
        ({"reopen_window_hours": 721}, "reopen_window_hours"),
        ({"reopen_window_hours": "4"}, "reopen_window_hours"),
        ({"flap_cycles": 0}, "flap_cycles"),
        ({"flap_minutes": 1441}, "flap_minutes"),
        ({"notify_user_ids": [""]}, "notify_user_ids"),
        ({"board": "b" * 65}, "board"),
        ({"close_on_reset": "maybe"}, "close_on_reset"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_invalid_actions(actions: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_actions(actions)
    assert field in info.value.messages


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("disk", None),
        ("^CPU .* 9[0-9]%", None),
        (r"(\d+)\s+GB", None),
        ("(?:C|D):", None),
        ("(C|D)+:", None),
        (r"(\d{1,3}\.){3}\d{1,3}", None),
        (r"\d+% for \d+ minutes", None),
        ("a.*b.*c", None),
        # shapes that backtrack catastrophically in Python's re run in linear time in RE2
        ("(a+)+", None),
        ("(a|aa)+", None),
        ("a.*a.*a.*b", None),
        (r"(\w*\s?)*", None),
        (EIGHT_BOUNDED_REPEATS, "too complex"),
        ("x{0,200}" * 12, "too complex"),
        (r"(\w)\1", "back-references and look-around are not supported"),
        ("(?=disk)", "back-references and look-around are not supported"),
        ("a{1001}", "Invalid regular expression: invalid repetition size"),
        ("[unclosed", "Invalid regular expression: missing ]"),
        ("*", "Invalid regular expression"),
        ("x" * (MAX_PATTERN_LENGTH + 1), "longer than"),
    ],
)
def test_compile_message_regex(pattern: str, problem: str | None) -> None:
    if problem is None:
        assert compile_message_regex(pattern).options.case_sensitive is False
    else:
        with pytest.raises(ValueError, match=re.escape(problem)):
            compile_message_regex(pattern)


def test_search_message_scans_a_bounded_prefix() -> None:
    assert search_message("needle", "x" * 10 + "NEEDLE")
    assert not search_message("needle", "x" * MAX_REGEX_SCAN + "needle")
    assert not search_message("x", None)


def test_patterns_that_explode_in_a_backtracking_engine_finish(tmp_path) -> None:
    """``(a+)+$`` on 30 a's and a "!" is ~2^30 steps for Python's re; RE2 is linear in the message.

    Run in a child process so a backtracking engine fails this test (timeout) instead of hanging it.
    """
    script = (
        "from flask_ninjaone.alerts.patterns import search_message\n"
        "print(search_message('(a+)+$', 'a' * 30 + '!'), search_message('(x|xx)+y', 'x' * 60))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


# -- matching ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, True),
        ({"severities": ["MAJOR", "CRITICAL"]}, True),
        ({"severities": ["MINOR"]}, False),
        ({"activity_types": ["CONDITION"]}, True),
        ({"activity_types": ["SYSTEM"]}, False),
        ({"status_codes": ["TRIGGERED"]}, True),
        ({"status_codes": ["RESET"]}, False),
        ({"conditions": ["205B85B2-8A12-4123-834F-164BE08B3314"]}, True),  # uid, any case
        ({"conditions": ["vmm_cond_memory_usage_ge"]}, True),  # message code
        ({"conditions": ["_AVERAGE_"]}, True),  # source name
        ({"conditions": ["cpu"]}, False),
        ({"organization_ids": [1, 2]}, True),
        ({"organization_ids": [3]}, False),
        ({"device_classes": ["VMWARE_VM_HOST"]}, True),
        ({"device_classes": ["WINDOWS_SERVER"]}, False),
        ({"role_ids": [9]}, True),
        ({"role_ids": [10]}, False),
        ({"message_contains": "memory UTILIZATION"}, True),
        ({"message_contains": "disk"}, False),
        ({"message_regex": r"\d+% for \d+ minutes"}, True),
        ({"message_regex": "^disk"}, False),
        ({"severities": ["MAJOR"], "device_classes": ["WINDOWS_SERVER"]}, False),  # all must hold
    ],
)
def test_matching_table(conditions: dict, expected: bool) -> None:
    rule = make_rule(name="r", conditions=conditions)
    assert matches(rule, FACTS) is expected
    assert (mismatch(rule.conditions, FACTS) is None) is expected


def test_missing_facts_never_match_a_restricted_rule() -> None:
    bare = AlertFacts(severity="NONE")
    for conditions in (
        {"organization_ids": [1]},
        {"device_classes": ["MAC"]},
        {"role_ids": [1]},
        {"conditions": ["x"]},
        {"message_contains": "x"},
        {"message_regex": "x"},
        {"activity_types": ["CONDITION"]},
    ):
        assert not matches(make_rule(name="r", conditions=conditions), bare), conditions


def test_catch_all_matches_everything() -> None:
    rule = make_rule(name="all", catch_all=True, conditions={"severities": ["CRITICAL"]})
    assert matches(rule, AlertFacts(severity="NONE"))


def test_first_match_order_active_and_catch_all() -> None:
    catch_all = make_rule(id=1, name="catch", catch_all=True, position=0)
    specific = make_rule(id=2, name="major", position=5, conditions={"severities": ["MAJOR"]})
    earlier = make_rule(id=3, name="memory", position=2, conditions={"message_contains": "memory"})
    inactive = make_rule(id=4, name="off", position=1, active=False)
    rules = [catch_all, specific, earlier, inactive]
    assert first_match(rules, FACTS) is earlier
    assert first_match([catch_all, specific], FACTS) is specific  # the catch-all waits, wherever it sits
    assert first_match(rules, AlertFacts(severity="MINOR")) is catch_all
    assert first_match([specific, inactive], AlertFacts(severity="MINOR")) is None
    assert first_match([], FACTS) is None
    tie_a = make_rule(id=8, name="a", position=1)
    tie_b = make_rule(id=7, name="b", position=1)
    assert first_match([tie_a, tie_b], FACTS) is tie_b  # equal positions: lower id first


@pytest.mark.parametrize(
    ("severity", "override", "expected"),
    [
        ("CRITICAL", None, "urgent"),
        ("MAJOR", None, "high"),
        ("MODERATE", None, "medium"),
        ("MINOR", None, "low"),
        ("NONE", None, "low"),
        (None, None, "low"),
        ("critical", None, "urgent"),
        ("SOMETHING_NEW", None, "low"),
        ("CRITICAL", "low", "low"),
        ("MINOR", "urgent", "urgent"),
        ("MINOR", "bogus", "low"),
    ],
)
def test_ticket_priority(severity: str | None, override: str | None, expected: str) -> None:
    assert ticket_priority(severity, override) == expected


def test_describe_actions() -> None:
    assert describe_actions(RuleActions(mode="record_only")) == "record only (no ticket)"
    text = describe_actions(
        RuleActions(priority="urgent", board="NOC", reopen_window_hours=4, notify_user_ids=("1",))
    )
    assert (
        "priority urgent" in text
        and "board NOC" in text
        and "reopen within 4 h" in text
        and "notify user 1" in text
    )
    assert "high (from severity)" in describe_actions(RuleActions(), "MAJOR")


def test_describe_actions_names_people() -> None:
    """The rules list says "assignee Tomás Reyes", not "assignee 2"; an id the host no longer knows
    still reads as a user."""
    actions = RuleActions(assignee_id="2", notify_user_ids=("2", "9"))
    text = describe_actions(actions, user_names={"2": "Tomás Reyes"})
    assert "assignee Tomás Reyes" in text and "notify Tomás Reyes, user 9" in text


# -- fuzzing -----------------------------------------------------------------------------------------------

_text = st.text(max_size=40)
_conditions = st.fixed_dictionaries(
    {},
    optional={
        "severities": st.lists(st.sampled_from(SEVERITIES) | _text, max_size=4),
        "activity_types": st.lists(st.sampled_from(ACTIVITY_TYPES) | _text, max_size=3),
        "status_codes": st.lists(st.sampled_from(CONDITION_STATUS_CODES), max_size=2),
        "conditions": st.lists(_text, max_size=3),
        "organization_ids": st.lists(st.integers(-5, 2**64) | st.text(max_size=3) | st.none(), max_size=3),
        "device_classes": st.lists(st.sampled_from(NODE_CLASSES) | _text, max_size=3),
        "role_ids": st.lists(st.integers(-5, 100) | st.booleans(), max_size=3),
        "message_contains": st.none() | st.text(max_size=300),
        "message_regex": st.none() | st.text(alphabet="ab()[]+*?{}|\\.^$,0123456789", max_size=30),
        "junk": st.integers(),
    },
)
_facts = st.builds(
    AlertFacts,
    severity=st.sampled_from(SEVERITIES),
    activity_type=st.none() | st.sampled_from(ACTIVITY_TYPES),
    status_code=st.none() | st.sampled_from(CONDITION_STATUS_CODES),
    source_config_uid=st.none() | _text,
    source_name=st.none() | _text,
    message_code=st.none() | _text,
    message=st.none() | st.text(max_size=200),
    organization_id=st.none() | st.integers(0, 5),
    node_class=st.none() | st.sampled_from(NODE_CLASSES),
    role_id=st.none() | st.integers(0, 5),
)


@settings(max_examples=300, deadline=None)
@given(conditions=_conditions, facts=_facts)
def test_fuzzed_conditions_validate_or_fail_cleanly_and_match_consistently(
    conditions: dict, facts: AlertFacts
) -> None:
    try:
        data = validate_conditions(conditions)
    except ValidationError as exc:
        assert exc.messages  # a field-level reason, never another exception type
        return
    json.dumps(data)  # what is stored is plain JSON
    assert validate_conditions(data) == data  # normalization is idempotent
    rule = make_rule(name="fuzz", conditions=data)
    result = matches(rule, facts)
    assert result == (mismatch(rule.conditions, facts) is None)
    assert first_match([rule], facts) is (rule if result else None)


@settings(max_examples=200, deadline=None)
@given(
    actions=st.fixed_dictionaries(
        {},
        optional={
            "mode": st.sampled_from(["create_ticket", "record_only"]) | _text,
            "priority": st.none() | st.sampled_from(TICKET_PRIORITIES) | _text,
            "reopen_window_hours": st.integers(-10, 1000) | _text,
            "notify_user_ids": st.lists(_text, max_size=3),
            "close_on_reset": st.booleans() | _text,
        },
    )
)
def test_fuzzed_actions(actions: dict) -> None:
    try:
        data = validate_actions(actions)
    except ValidationError as exc:
        assert exc.messages
        return
    assert RuleActions.from_dict(data).mode in ("create_ticket", "record_only")
    assert ticket_priority("MAJOR", data["priority"]) in TICKET_PRIORITIES


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.text(alphabet="a()+*?{}2,|\\.[]^$", max_size=25)
    | st.from_regex(r"[a.()|*+?{}0-9,]{1,20}", fullmatch=True)
)
def test_any_pattern_is_refused_with_a_reason_or_runs_within_the_bounds(pattern: str) -> None:
    """Fuzzed patterns either raise ValueError (the form error) or compile to a bounded RE2 program
    that searches hostile messages without raising."""
    try:
        compiled = compile_message_regex(pattern)
    except ValueError as exc:
        assert str(exc).startswith(("Invalid regular expression", "The message pattern")), exc
        return
    assert compiled.programsize <= MAX_PROGRAM_SIZE
    for message in ("a" * 5000 + "!", "a2," * 2000, "{" * 3000):
        assert search_message(pattern, message) in (True, False)
