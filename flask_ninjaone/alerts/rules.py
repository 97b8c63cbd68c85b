"""Alert rules as pure data: their schema, matching, first-match selection and priority mapping.

A rule has *conditions* (which alerts it applies to) and *actions* (what to do with them). Both are
stored as JSON on :class:`~flask_ninjaone.models.AlertRule` and always pass through the marshmallow
schemas below on the way in (forms, API, imports) and on the way out (:func:`load_rule`), so the
lifecycle never sees a malformed rule.

Selection (:func:`first_match`): active rules are tried in ``position`` order and the first whose
conditions all hold wins. A rule scoped to one NinjaOne instance (``integration_id``) applies only to
that instance's alerts: organization and role ids are numbered per instance, so the same ids in
another instance are other organizations (see :data:`INSTANCE_SPECIFIC`). Catch-all rules match
every alert but are only consulted when no ordinary rule matched, wherever they sit in the list, so
adding a specific rule never needs moving the catch-all. An empty condition list means "any value".

Nothing here touches the database or Flask: the tables in ``tests/alerts`` exercise it exhaustively.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validates
from marshmallow.validate import Length, OneOf, Range

from ..enum_labels import enum_label
from .catalog import (
    ACTIVITY_TYPES,
    CONDITION_STATUS_CODES,
    DEFAULT_PRIORITY,
    NODE_CLASSES,
    SEVERITIES,
    TICKET_PRIORITIES,
)
from .patterns import compile_message_regex, search_message

#: Only this many characters of a message are searched for a keyword.
MAX_MESSAGE_SCAN = 4000
#: Longest keyword, condition name, board or id accepted in a rule.
MAX_TEXT = 255
#: Most values one condition list may hold.
MAX_VALUES = 200

#: The conditions whose values are ids numbered per NinjaOne instance: a rule naming any is scoped to
#: the instance they come from (an all-instances rule may not name them).
INSTANCE_SPECIFIC = ("organization_ids", "role_ids")

MODE_CREATE_TICKET = "create_ticket"
MODE_RECORD_ONLY = "record_only"
MODES = (MODE_CREATE_TICKET, MODE_RECORD_ONLY)


def _clean_list(values: Iterable[Any]) -> list[Any]:
    """De-duplicated, order kept, strings stripped and empty ones dropped."""
    seen: dict[Any, None] = {}
    for value in values:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        seen.setdefault(value, None)
    return list(seen)


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _strict_int(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


def _choice_list(choices: Sequence[str]) -> fields.List[str]:
    return fields.List(
        fields.String(validate=OneOf(choices)), load_default=list, validate=Length(max=MAX_VALUES)
    )


class RuleConditionsSchema(Schema):
    """Which alerts a rule applies to. Every key is optional; an empty list matches any value."""

    class Meta:
        unknown = RAISE

    severities = _choice_list(SEVERITIES)
    activity_types = _choice_list(ACTIVITY_TYPES)
    status_codes = _choice_list(CONDITION_STATUS_CODES)
    #: Condition uids (``sourceConfigUid``) or names (``sourceName``, condition name, message code).
    conditions = fields.List(
        fields.String(validate=Length(max=MAX_TEXT)), load_default=list, validate=Length(max=MAX_VALUES)
    )
    organization_ids = fields.List(
        _strict_int(validate=Range(min=0, max=2**63 - 1)), load_default=list, validate=Length(max=MAX_VALUES)
    )
    device_classes = _choice_list(NODE_CLASSES)
    role_ids = fields.List(
        _strict_int(validate=Range(min=0, max=2**63 - 1)), load_default=list, validate=Length(max=MAX_VALUES)
    )
    message_contains = fields.String(load_default=None, allow_none=True, validate=Length(max=MAX_TEXT))
    message_regex = fields.String(load_default=None, allow_none=True)

    @validates("message_regex")
    def _check_regex(self, value: str | None, **kwargs: Any) -> None:
        if value is not None and value.strip():
            try:
                compile_message_regex(value.strip())
            except ValueError as exc:
                raise ValidationError(str(exc)) from None

    @post_load
    def _normalize(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for key in (
            "severities",
            "activity_types",
            "status_codes",
            "conditions",
            "organization_ids",
            "device_classes",
            "role_ids",
        ):
            data[key] = _clean_list(data[key])
        data["message_contains"] = _blank_to_none(data["message_contains"])
        data["message_regex"] = _blank_to_none(data["message_regex"])
        return data


class RuleActionsSchema(Schema):
    """What a matching rule does."""

    class Meta:
        unknown = RAISE

    mode = fields.String(load_default=MODE_CREATE_TICKET, validate=OneOf(MODES))
    #: ``None`` = map from the severity (:data:`~.catalog.DEFAULT_PRIORITY`).
    priority = fields.String(load_default=None, allow_none=True, validate=OneOf(TICKET_PRIORITIES))
    board = fields.String(load_default=None, allow_none=True, validate=Length(max=64))
    assignee_id = fields.String(load_default=None, allow_none=True, validate=Length(max=64))
    notify_user_ids = fields.List(
        fields.String(validate=Length(min=1, max=64)), load_default=list, validate=Length(max=50)
    )
    #: Close the ticket when NinjaOne resets the alert, unless a human worked the ticket.
    close_on_reset = fields.Boolean(load_default=True)
    #: Reset the alert in NinjaOne when someone closes its ticket.
    reset_in_ninjaone_on_close = fields.Boolean(load_default=False)
    #: A recurrence within this many hours of the ticket closing reopens it (0 = always a new ticket).
    reopen_window_hours = _strict_int(load_default=0, validate=Range(min=0, max=720))
    #: Flapping: more than ``flap_cycles`` trigger/reset cycles within ``flap_minutes``.
    flap_cycles = _strict_int(load_default=3, validate=Range(min=1, max=100))
    flap_minutes = _strict_int(load_default=60, validate=Range(min=1, max=1440))

    @post_load
    def _normalize(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["board"] = _blank_to_none(data["board"])
        data["assignee_id"] = _blank_to_none(data["assignee_id"])
        data["notify_user_ids"] = _clean_list(data["notify_user_ids"])
        return data


def validate_conditions(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Normalized, JSON-ready conditions; raises :class:`marshmallow.ValidationError`."""
    return RuleConditionsSchema().load(dict(data or {}))


def names_instance_ids(conditions: Mapping[str, Any]) -> bool:
    """Whether validated ``conditions`` name ids of one instance (:data:`INSTANCE_SPECIFIC`)."""
    return any(conditions.get(key) for key in INSTANCE_SPECIFIC)


def validate_actions(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Normalized, JSON-ready actions with every default filled in; raises ``ValidationError``."""
    return RuleActionsSchema().load(dict(data or {}))


@dataclass(frozen=True)
class RuleConditions:
    """Validated conditions, as sets for fast membership tests."""

    severities: frozenset[str] = frozenset()
    activity_types: frozenset[str] = frozenset()
    status_codes: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()  # casefolded
    organization_ids: frozenset[int] = frozenset()
    device_classes: frozenset[str] = frozenset()
    role_ids: frozenset[int] = frozenset()
    message_contains: str | None = None
    message_regex: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleConditions:
        """From :func:`validate_conditions` output."""
        return cls(
            severities=frozenset(data.get("severities", ())),
            activity_types=frozenset(data.get("activity_types", ())),
            status_codes=frozenset(data.get("status_codes", ())),
            conditions=frozenset(value.casefold() for value in data.get("conditions", ())),
            organization_ids=frozenset(data.get("organization_ids", ())),
            device_classes=frozenset(data.get("device_classes", ())),
            role_ids=frozenset(data.get("role_ids", ())),
            message_contains=data.get("message_contains"),
            message_regex=data.get("message_regex"),
        )


@dataclass(frozen=True)
class RuleActions:
    """Validated actions."""

    mode: str = MODE_CREATE_TICKET
    priority: str | None = None
    board: str | None = None
    assignee_id: str | None = None
    notify_user_ids: tuple[str, ...] = ()
    close_on_reset: bool = True
    reset_in_ninjaone_on_close: bool = False
    reopen_window_hours: int = 0
    flap_cycles: int = 3
    flap_minutes: int = 60

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleActions:
        """From :func:`validate_actions` output."""
        return cls(
            mode=data["mode"],
            priority=data["priority"],
            board=data["board"],
            assignee_id=data["assignee_id"],
            notify_user_ids=tuple(data["notify_user_ids"]),
            close_on_reset=data["close_on_reset"],
            reset_in_ninjaone_on_close=data["reset_in_ninjaone_on_close"],
            reopen_window_hours=data["reopen_window_hours"],
            flap_cycles=data["flap_cycles"],
            flap_minutes=data["flap_minutes"],
        )

    @property
    def creates_ticket(self) -> bool:
        return self.mode == MODE_CREATE_TICKET


#: What applies to an alert no rule matched (it is recorded; no ticket). Also the flapping defaults.
NO_RULE_ACTIONS = RuleActions(mode=MODE_RECORD_ONLY, close_on_reset=False)


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the matcher sees it (no ORM object crosses into the pure code)."""

    id: int | None
    name: str
    position: int = 0
    active: bool = True
    catch_all: bool = False
    conditions: RuleConditions = field(default_factory=RuleConditions)
    actions: RuleActions = field(default_factory=RuleActions)
    #: The instance whose alerts the rule handles (``None``: every instance's).
    integration_id: int | None = None


def make_rule(
    *,
    name: str,
    conditions: Mapping[str, Any] | None = None,
    actions: Mapping[str, Any] | None = None,
    id: int | None = None,
    position: int = 0,
    active: bool = True,
    catch_all: bool = False,
    integration_id: int | None = None,
) -> RuleSpec:
    """Validate raw conditions/actions and build a :class:`RuleSpec` (raises ``ValidationError``)."""
    return RuleSpec(
        id=id,
        name=name,
        position=position,
        active=active,
        catch_all=catch_all,
        conditions=RuleConditions.from_dict(validate_conditions(conditions)),
        actions=RuleActions.from_dict(validate_actions(actions)),
        integration_id=integration_id,
    )


def load_rule(row: Any) -> RuleSpec:
    """A :class:`RuleSpec` from an :class:`~flask_ninjaone.models.AlertRule` row (re-validated)."""
    return make_rule(
        id=row.id,
        name=row.name,
        position=row.position,
        active=row.active,
        catch_all=row.catch_all,
        conditions=row.conditions,
        actions=row.actions,
        integration_id=row.integration_id,
    )


@dataclass(frozen=True)
class AlertFacts:
    """What is known about one alert: what rules match on and what the ticket text shows."""

    series_uid: str = ""
    #: The instance that raised the alert (``None``: not known, e.g. a table test's facts).
    integration_id: int | None = None
    severity: str = "NONE"
    priority: str | None = None
    activity_type: str | None = None
    status_code: str | None = None
    source_config_uid: str | None = None
    source_name: str | None = None
    condition_name: str | None = None
    message_code: str | None = None
    message: str | None = None
    subject: str | None = None
    organization_id: int | None = None
    device_id: int | None = None
    device_name: str | None = None
    node_class: str | None = None
    role_id: int | None = None
    triggered_at: datetime | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def condition_keys(self) -> frozenset[str]:
        """Casefolded names and ids a rule's ``conditions`` list is compared with."""
        values = (self.source_config_uid, self.source_name, self.condition_name, self.message_code)
        return frozenset(value.strip().casefold() for value in values if value and value.strip())


def mismatch(conditions: RuleConditions, facts: AlertFacts) -> str | None:
    """The first condition ``facts`` fail, as a sentence for the dry run; ``None`` when all hold."""
    failed = failed_clause(conditions, facts)
    return failed[1] if failed else None


def failed_clause(conditions: RuleConditions, facts: AlertFacts) -> tuple[str, str] | None:
    """``(clause, sentence)`` of the first condition ``facts`` fail, so the dry run can point at the
    field: ``severity``, ``activity_type``, ``status``, ``condition``, ``organization``,
    ``device_class``, ``role`` or ``message``; ``None`` when all hold."""
    severity = facts.severity or "NONE"
    if conditions.severities and severity not in conditions.severities:
        wanted = ", ".join(enum_label(v) for v in SEVERITIES if v in conditions.severities)
        return "severity", f"severity {enum_label(severity)} is not one of {wanted}"
    if conditions.activity_types and facts.activity_type not in conditions.activity_types:
        return "activity_type", f"activity type {enum_label(facts.activity_type or 'none')} is not selected"
    if conditions.status_codes and facts.status_code not in conditions.status_codes:
        return "status", f"status {enum_label(facts.status_code or 'none')} is not selected"
    if conditions.conditions and not (conditions.conditions & facts.condition_keys()):
        seen = facts.message_code or facts.condition_name or facts.source_name or facts.source_config_uid
        shown = f"“{seen}”" if seen else "(none)"
        return "condition", f"the condition {shown} is not one of the listed names or ids"
    if conditions.organization_ids and facts.organization_id not in conditions.organization_ids:
        organization = "unknown" if facts.organization_id is None else facts.organization_id
        return "organization", f"organization {organization} is not selected"
    if conditions.device_classes and facts.node_class not in conditions.device_classes:
        return "device_class", f"device class {enum_label(facts.node_class or 'unknown')} is not selected"
    if conditions.role_ids and facts.role_id not in conditions.role_ids:
        role = facts.role_id if facts.role_id is not None else "unknown"
        return "role", f"device role {role} is not selected"
    message = (facts.message or "")[:MAX_MESSAGE_SCAN]
    if conditions.message_contains and conditions.message_contains.casefold() not in message.casefold():
        return "message", f"the message does not contain “{conditions.message_contains}”"
    if conditions.message_regex:
        try:
            found = search_message(conditions.message_regex, facts.message)
        except ValueError:
            return "message", "the message pattern is invalid"
        if not found:
            return "message", "the message does not match the pattern"
    return None


def out_of_scope(rule: RuleSpec, facts: AlertFacts) -> bool:
    """Whether ``facts`` come from another instance than the one ``rule`` is scoped to."""
    return rule.integration_id is not None and facts.integration_id != rule.integration_id


def matches(rule: RuleSpec, facts: AlertFacts) -> bool:
    """Whether ``rule`` applies to ``facts`` (ignores ``active``; catch-alls match every alert of
    their instance, or of every instance)."""
    if out_of_scope(rule, facts):
        return False
    return rule.catch_all or mismatch(rule.conditions, facts) is None


def ordered(rules: Iterable[RuleSpec]) -> list[RuleSpec]:
    """Evaluation order: ordinary rules by position (then id), catch-alls after them."""
    return sorted(rules, key=lambda rule: (rule.catch_all, rule.position, rule.id or 0))


def first_match(rules: Iterable[RuleSpec], facts: AlertFacts) -> RuleSpec | None:
    """The rule that handles ``facts``: the first active ordinary rule whose conditions hold, else the
    first active catch-all, else ``None`` (the alert is recorded without a ticket)."""
    for rule in ordered(rules):
        if rule.active and matches(rule, facts):
            return rule
    return None


def ticket_priority(severity: str | None, override: str | None = None) -> str:
    """The ticket priority: the rule's override, else the severity's default (unknown → low)."""
    if override in TICKET_PRIORITIES:
        return override
    return DEFAULT_PRIORITY.get((severity or "NONE").upper(), "low")


def describe_actions(
    actions: RuleActions, severity: str | None = None, user_names: Mapping[str, str] | None = None
) -> str:
    """One line saying what a rule does, for the rules list and the dry run; people are named from
    ``user_names`` (host user id → name), an id the host no longer knows is shown as such."""
    names = user_names or {}
    if not actions.creates_ticket:
        parts = ["record only (no ticket)"]
    else:
        priority = actions.priority or (
            ticket_priority(severity) + " (from severity)" if severity else "from severity"
        )
        parts = [f"create a ticket, priority {priority}"]
        if actions.board:
            parts.append(f"board {actions.board}")
        if actions.assignee_id:
            parts.append(f"assignee {names.get(actions.assignee_id) or 'user ' + actions.assignee_id}")
        if actions.close_on_reset:
            parts.append("close on reset unless worked by a person")
        if actions.reset_in_ninjaone_on_close:
            parts.append("reset in NinjaOne when the ticket closes")
        if actions.reopen_window_hours:
            parts.append(f"reopen within {actions.reopen_window_hours} h")
    if actions.notify_user_ids:
        people = [names.get(user_id) or f"user {user_id}" for user_id in actions.notify_user_ids]
        parts.append(f"notify {', '.join(people)}")
    return "; ".join(parts)
