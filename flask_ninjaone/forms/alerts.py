"""Forms of the alerts panel, the rules page and the maintenance windows page.

The forms check shape (choices, numbers, lengths); what a rule *means* is validated once more by the
marshmallow schemas of :mod:`flask_ninjaone.alerts.rules`, which every write goes through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..alerts.catalog import (
    ACTIVITY_TYPES,
    CONDITION_STATUS_CODES,
    NODE_CLASSES,
    SEVERITIES,
    TICKET_PRIORITIES,
)
from ..alerts.condition_choices import ConditionChoice
from ..alerts.dry_run import DEFAULT_LIMIT, MAX_LIMIT
from ..alerts.maintenance import RECURRENCES, WEEKDAY_NAMES, common_timezones, zone
from ..alerts.patterns import MAX_PATTERN_LENGTH
from ..alerts.rules import MAX_TEXT, MAX_VALUES, MODE_CREATE_TICKET, MODE_RECORD_ONLY
from ..enum_labels import enum_label
from ..host import FieldChoice
from ..query_filters import parse_id
from .instance import InstanceBoundForm

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    # types-WTForms 3.2 predates SelectChoice (added in WTForms 3.3)
    from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def _choice(value: object, label: str) -> Any:
    return SelectChoice(str(value), label) if SelectChoice is not None else (str(value), label)


class AlertActionForm(FlaskForm):
    """A one-button alert action (acknowledge, create ticket): the form exists for its CSRF token.

    The page also posts the alert's instance as ``integration`` (read by :func:`posted_instance_id`,
    not a field: one form object renders the buttons of every row, each with its own instance)."""


def posted_instance_id(form: Mapping[str, str], field: str = "integration") -> int | None:
    """The instance id an action form posted (an alert action's ``integration``, an asset panel
    form's device instance), or ``None`` when it is missing or not an id."""
    return parse_id(form.get(field))


class ResolveForm(AlertActionForm):
    """Resolve an alert here, optionally resetting it in NinjaOne too."""

    reset_in_ninjaone = BooleanField("Also reset the alert in NinjaOne")


class RuleActionForm(InstanceBoundForm):
    """Move / toggle / delete a rule: CSRF only (the action is in the URL)."""


class RuleTestForm(InstanceBoundForm):
    """ "Test this rule": how many of the newest stored alerts to test it against."""

    limit = IntegerField(
        "Number of recent alerts",
        default=DEFAULT_LIMIT,
        validators=[
            InputRequired("Enter how many recent alerts to test against."),
            NumberRange(1, MAX_LIMIT, f"Enter a number from 1 to {MAX_LIMIT}."),
        ],
    )


def _labelled(values: tuple[str, ...]) -> list[Any]:
    return [_choice(value, enum_label(value)) for value in values]


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


def _int_list(text: str | None) -> list[int]:
    values = []
    for part in _lines(text):
        if not (part.isascii() and part.isdigit()) or len(part) > 18:
            raise ValidationError(f"{part[:20]!r} is not a number.")
        values.append(int(part))
    return values


class InstanceScoped:
    """The "Instance" select of a form whose setting (a rule, a window) belongs to one NinjaOne
    instance or to all: its choices are the tenant's live instances only, so any other id posted (a
    retired instance, another tenant's) fails validation and nothing is saved."""

    integration_id = SelectField("Instance", choices=[], validators=[Optional()])

    def set_instances(self, instances: Sequence[tuple[int, str]]) -> None:
        self.integration_id.choices = [_choice("", "All instances")] + [
            _choice(row_id, name) for row_id, name in instances
        ]

    def several_instances(self) -> bool:
        """Whether the tenant has more than one instance to choose from (the select is shown)."""
        return len(self.integration_id.choices or []) > 2

    def scope(self) -> int | None:
        """The chosen instance's id, ``None`` for all instances (a valid choice: validated first)."""
        return int(self.integration_id.data) if self.integration_id.data else None


class RuleForm(InstanceScoped, InstanceBoundForm):
    """One alert rule: when it applies (conditions) and what it does (actions); its instance is the
    one whose alerts it handles."""

    name = StringField("Name", validators=[DataRequired("Give the rule a name."), Length(max=255)])
    active = BooleanField("Active", default=True)
    catch_all = BooleanField("Catch-all (matches every alert no other rule matched)")

    severities = SelectMultipleField("Severities", choices=_labelled(SEVERITIES))
    activity_types = SelectMultipleField("Activity types", choices=_labelled(ACTIVITY_TYPES))
    status_codes = SelectMultipleField("Status codes", choices=_labelled(CONDITION_STATUS_CODES))
    conditions = SelectMultipleField("Conditions", choices=[])
    other_conditions = TextAreaField(
        "Other condition names or ids (one per line)",
        validators=[Optional(), Length(max=MAX_VALUES * (MAX_TEXT + 1))],
    )
    organization_ids = SelectMultipleField("Organizations", choices=[])
    device_classes = SelectMultipleField("Device classes", choices=_labelled(NODE_CLASSES))
    role_ids = StringField("Device role ids (comma separated)", validators=[Optional(), Length(max=2000)])
    message_contains = StringField("Message contains", validators=[Optional(), Length(max=MAX_TEXT)])
    message_regex = StringField(
        "Message matches (regular expression)", validators=[Optional(), Length(max=MAX_PATTERN_LENGTH)]
    )

    mode = RadioField(
        "Action",
        choices=[
            _choice(MODE_CREATE_TICKET, "Create a ticket"),
            _choice(MODE_RECORD_ONLY, "Only record the alert"),
        ],
        default=MODE_CREATE_TICKET,
    )
    priority = SelectField(
        "Ticket priority",
        choices=[_choice("", "From the severity")] + [_choice(p, p.title()) for p in TICKET_PRIORITIES],
    )
    board = StringField("Board / channel", validators=[Optional(), Length(max=64)])
    assignee_id = SelectField("Assignee", choices=[])
    notify_user_ids = SelectMultipleField("Notify", choices=[])
    close_on_reset = BooleanField(
        "Close the ticket when the alert resets (unless a person worked it)", default=True
    )
    reset_in_ninjaone_on_close = BooleanField("Reset the alert in NinjaOne when the ticket is closed")
    reopen_window_hours = IntegerField(
        "Reopen window (hours, 0 = always a new ticket)", default=0, validators=[NumberRange(0, 720)]
    )
    flap_cycles = IntegerField("Flapping: more than N cycles…", default=3, validators=[NumberRange(1, 100)])
    flap_minutes = IntegerField("…within M minutes", default=60, validators=[NumberRange(1, 1440)])

    def set_choices(
        self,
        organizations: list[tuple[int, str]],
        users: list[tuple[str, str]],
        conditions: Sequence[ConditionChoice] = (),
        host_choices: Mapping[str, Sequence[FieldChoice]] | None = None,
        instances: Sequence[tuple[int, str]] = (),
    ) -> None:
        """Pickers: the tenant's instances, the chosen instance's organizations and people by name, the
        conditions offered (grouped, with counts), and the ticket fields whose values the host lists
        (see :meth:`HostAdapter.ticket_field_choices`)."""
        self.set_instances(instances)
        self.organization_ids.choices = [
            _choice(org_id, f"{name} (#{org_id})") for org_id, name in organizations
        ]
        people = [_choice(user_id, name) for user_id, name in users]
        self.assignee_id.choices = [_choice("", "Nobody"), *people]
        self.notify_user_ids.choices = people
        groups: dict[str, list[Any]] = {}
        for condition in conditions:
            groups.setdefault(condition.group, []).append((condition.value, condition.text))
        self.conditions.choices = groups
        host_choices = host_choices or {}
        if host_choices.get("priority"):
            labels = {choice.value: choice.label for choice in host_choices["priority"]}
            self.priority.choices = [_choice("", "From the severity")] + [
                _choice(p, labels.get(p, p.title())) for p in TICKET_PRIORITIES
            ]
        self._set_boards(host_choices.get("board") or ())

    def _set_boards(self, boards: Sequence[FieldChoice]) -> None:
        """The board is free text here; :class:`ChosenBoardRuleForm` lists the host's boards."""

    def _condition_values(self) -> set[str]:
        groups = self.conditions.choices if isinstance(self.conditions.choices, dict) else {}
        return {str(value) for group in groups.values() for value, _ in group}

    def validate_role_ids(self, field: StringField) -> None:
        _int_list(field.data)

    def conditions_data(self) -> dict[str, Any]:
        return {
            "severities": list(self.severities.data or []),
            "activity_types": list(self.activity_types.data or []),
            "status_codes": list(self.status_codes.data or []),
            "conditions": [
                *(self.conditions.data or []),
                *(
                    line[:MAX_TEXT]
                    for line in (self.other_conditions.data or "").splitlines()
                    if line.strip()
                ),
            ],
            "organization_ids": [int(value) for value in self.organization_ids.data or []],
            "device_classes": list(self.device_classes.data or []),
            "role_ids": _int_list(self.role_ids.data),
            "message_contains": self.message_contains.data or None,
            "message_regex": self.message_regex.data or None,
        }

    def actions_data(self) -> dict[str, Any]:
        return {
            "mode": self.mode.data,
            "priority": self.priority.data or None,
            "board": self.board.data or None,
            "assignee_id": self.assignee_id.data or None,
            "notify_user_ids": list(self.notify_user_ids.data or []),
            "close_on_reset": bool(self.close_on_reset.data),
            "reset_in_ninjaone_on_close": bool(self.reset_in_ninjaone_on_close.data),
            "reopen_window_hours": self.reopen_window_hours.data or 0,
            "flap_cycles": self.flap_cycles.data or 3,
            "flap_minutes": self.flap_minutes.data or 60,
        }

    def fill(self, rule: Any) -> None:
        """Load a stored rule into the form (for editing)."""
        conditions, actions = rule.conditions or {}, rule.actions or {}
        self.name.data = rule.name
        self.integration_id.data = str(rule.integration_id) if rule.integration_id is not None else ""
        self.active.data = rule.active
        self.catch_all.data = rule.catch_all
        self.severities.data = conditions.get("severities", [])
        self.activity_types.data = conditions.get("activity_types", [])
        self.status_codes.data = conditions.get("status_codes", [])
        offered = self._condition_values()
        values = conditions.get("conditions", [])
        self.conditions.data = [value for value in values if value in offered]
        self.other_conditions.data = "\n".join(value for value in values if value not in offered)
        self.organization_ids.data = [str(value) for value in conditions.get("organization_ids", [])]
        self.device_classes.data = conditions.get("device_classes", [])
        self.role_ids.data = ", ".join(str(value) for value in conditions.get("role_ids", []))
        self.message_contains.data = conditions.get("message_contains") or ""
        self.message_regex.data = conditions.get("message_regex") or ""
        self.mode.data = actions.get("mode", MODE_CREATE_TICKET)
        self.priority.data = actions.get("priority") or ""
        self.board.data = actions.get("board") or ""
        self.assignee_id.data = actions.get("assignee_id") or ""
        self.notify_user_ids.data = actions.get("notify_user_ids", [])
        self.close_on_reset.data = actions.get("close_on_reset", True)
        self.reset_in_ninjaone_on_close.data = actions.get("reset_in_ninjaone_on_close", False)
        self.reopen_window_hours.data = actions.get("reopen_window_hours", 0)
        self.flap_cycles.data = actions.get("flap_cycles", 3)
        self.flap_minutes.data = actions.get("flap_minutes", 60)


class RuleImportForm(InstanceBoundForm):
    """Import alert rules: a file to preview, then its text posted back to confirm (re-validated)."""

    file = FileField("Rules file (JSON, exported from this or another tenant)")
    document = TextAreaField("Rules (JSON)")
    mode = RadioField(
        "How",
        choices=[
            _choice("append", "Add them after the existing rules (names must be new)"),
            _choice("replace", "Replace every existing rule"),
        ],
        default="append",
    )
    #: Where the file's instance-scoped rules go (``--instance`` of the command): this tenant's live
    #: instances only; empty = the instances the file names.
    instance = SelectField("Instance", choices=[], validators=[Optional()])

    def set_instances(self, instances: Sequence[tuple[int, str]]) -> None:
        self.instance.choices = [_choice("", "The instances the file names")] + [
            _choice(row_id, name) for row_id, name in instances
        ]


class ChosenBoardRuleForm(RuleForm):
    """The rule form when the host lists its boards: a picker instead of free text."""

    # A picker in place of the base form's free-text box: same name, so saving reads it the same way.
    board = SelectField("Board / channel", choices=[], validators=[Optional()])  # type: ignore[assignment]

    def _set_boards(self, boards: Sequence[FieldChoice]) -> None:
        self.board.choices = [_choice("", "The host's default")] + [_choice(b.value, b.label) for b in boards]

    def keep_board(self, board: str | None) -> None:
        """Keep a rule's board selectable when the host no longer lists it (saving it again is fine)."""
        values = {str(getattr(choice, "value", choice[0] if isinstance(choice, tuple) else choice))
                  for choice in self.board.choices or []}  # fmt: skip
        if board and board not in values:
            listed = self.board.choices if isinstance(self.board.choices, list) else []
            self.board.choices = [*listed, _choice(board, f"{board} (no longer listed)")]


def rule_form(host_choices: Mapping[str, Sequence[FieldChoice]]) -> RuleForm:
    """The rule form: with a board picker when the host lists boards, else the free-text field."""
    return ChosenBoardRuleForm() if host_choices.get("board") else RuleForm()


class MaintenanceWindowForm(InstanceScoped, InstanceBoundForm):
    """A maintenance window; one-off times are wall-clock times in the chosen time zone; its instance
    is the one whose devices it covers."""

    name = StringField("Name", validators=[DataRequired("Give the window a name."), Length(max=255)])
    organization_id = SelectField("Organization", choices=[])
    device_id = IntegerField("Device id", validators=[Optional(), NumberRange(min=0, max=2**63 - 1)])
    recurrence = SelectField(
        "Repeats", choices=[_choice(value, value.title()) for value in RECURRENCES], default="none"
    )
    starts_at = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ends_at = DateTimeLocalField("Ends", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    weekdays = SelectMultipleField(
        "Weekdays", choices=[_choice(i, name) for i, name in enumerate(WEEKDAY_NAMES)]
    )
    start_time = StringField("Daily start (HH:MM)", validators=[Optional(), Length(max=5)])
    duration_minutes = IntegerField(
        "Duration (minutes)", validators=[Optional(), NumberRange(1, 7 * 24 * 60)]
    )
    timezone = SelectField("Time zone", choices=[], default="UTC")
    ninjaone_maintenance = BooleanField("Also put the devices in maintenance in NinjaOne")

    def set_choices(
        self, organizations: list[tuple[int, str]], instances: Sequence[tuple[int, str]] = ()
    ) -> None:
        """Pickers: the tenant's instances and the chosen instance's organizations."""
        self.set_instances(instances)
        self.organization_id.choices = [_choice("", "Every organization")] + [
            _choice(org_id, f"{name} (#{org_id})") for org_id, name in organizations
        ]
        self.timezone.choices = [_choice(name, name) for name in common_timezones()]

    def _aware(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.replace(tzinfo=zone(self.timezone.data or "UTC")).isoformat()

    def window_data(self) -> dict[str, Any]:
        return {
            "name": self.name.data or "",
            "organization_id": int(self.organization_id.data) if self.organization_id.data else None,
            "device_id": self.device_id.data,
            "recurrence": self.recurrence.data,
            "starts_at": self._aware(self.starts_at.data),
            "ends_at": self._aware(self.ends_at.data),
            "weekdays": [int(day) for day in self.weekdays.data or []],
            "start_time": self.start_time.data or None,
            "duration_minutes": self.duration_minutes.data,
            "timezone": self.timezone.data or "UTC",
            "ninjaone_maintenance": bool(self.ninjaone_maintenance.data),
        }
