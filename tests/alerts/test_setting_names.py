"""Rule and maintenance-window names are one printable line: a NUL byte is text PostgreSQL refuses to
store, so a name carrying one was a 500 on PostgreSQL (found by the rule form's fuzz test) instead of
the form's clear error."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from flask_ninjaone.alerts.maintenance import validate_window
from flask_ninjaone.alerts.rule_store import RuleDraft, RuleError, check_rule

BAD_NAMES = ["\x00", "night\x00shift", "two\nlines", "bell\x07"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_rule_name_with_a_control_character_is_refused(name: str) -> None:
    with pytest.raises(RuleError) as refused:
        check_rule(RuleDraft(name, {}, {}))
    assert "name" in refused.value.messages


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_window_name_with_a_control_character_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_window({"name": name, "starts_at": "2026-12-07T10:00:00", "ends_at": "2026-12-07T11:00:00"})
    assert "name" in refused.value.messages


def test_a_printable_name_is_kept_trimmed() -> None:
    assert check_rule(RuleDraft("  Night shift – ÄÖ 日本  ", {}, {})).name == "Night shift – ÄÖ 日本"
