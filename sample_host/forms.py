"""Flask-WTF forms of the host. Every POST carries a CSRF token (``CSRFProtect`` checks it app-wide).

Select fields that point at tenant rows (clients, users, assets) get their choices from the views,
filled from tenant-scoped queries, so submitting another tenant's id fails validation.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .models import (
    AGENT_STATUSES,
    ASSET_STATUSES,
    ASSET_TYPES,
    TICKET_BOARDS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
)

#: Codes that are names: spelled as their owners spell them, not capitalized.
NAMES = {"ninjaone": "NinjaOne"}


def label(value: str) -> str:
    """``network_device`` -> ``Network device``: one place to turn stored codes into words."""
    return NAMES.get(value) or value.replace("_", " ").capitalize()


def choice(value: object, text: str) -> SelectChoice:
    """One ``<option>``; values are strings on the wire whatever the field coerces them to."""
    return SelectChoice(str(value), text)


def _choices(values: tuple[str, ...]) -> list[SelectChoice]:
    return [choice(value, label(value)) for value in values]


def optional_int(value: Any) -> int | None:
    """Coerce for "pick one or none" selects: the empty option means ``None``."""
    if value in (None, "", "None"):
        return None
    return int(value)


def blank_to_none(value: str | None) -> str | None:
    """Store unknown optional text as NULL, not as an empty string."""
    if value is None:
        return None
    return value.strip() or None


class LineListField(TextAreaField):
    """A list of short strings edited as one per line (commas also separate)."""

    data: list[str]

    def _value(self) -> str:
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = valuelist[0] if valuelist else ""
        self.data = [item.strip() for item in text.replace(",", "\n").splitlines() if item.strip()]


class KeyValueField(TextAreaField):
    """A flat ``{key: value}`` mapping edited as ``key = value`` lines."""

    data: dict[str, str]

    def _value(self) -> str:
        return "\n".join(f"{key} = {value}" for key, value in (self.data or {}).items())

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = {}
        for line in (valuelist[0] if valuelist else "").splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"Expected 'key = value', got {line.strip()!r}.")
            self.data[key.strip()] = value.strip()


class LoginForm(FlaskForm):
    tenant = StringField("Workspace", validators=[DataRequired(), Length(max=64)])
    email = StringField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])


class ClientForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    notes = TextAreaField("Notes")


class AssetForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=255)])
    client_id = SelectField("Client", coerce=int)
    asset_type = SelectField("Type", choices=_choices(ASSET_TYPES))
    status = SelectField("Status", choices=_choices(ASSET_STATUSES))
    is_virtual = BooleanField("Virtual machine")
    agent_status = SelectField("Agent status", choices=_choices(AGENT_STATUSES))
    serial_number = StringField("Serial number", filters=[blank_to_none], validators=[Length(max=255)])
    manufacturer = StringField("Manufacturer", filters=[blank_to_none], validators=[Length(max=255)])
    model = StringField("Model", filters=[blank_to_none], validators=[Length(max=255)])
    os_name = StringField("Operating system", filters=[blank_to_none], validators=[Length(max=255)])
    os_version = StringField("OS version", filters=[blank_to_none], validators=[Length(max=128)])
    os_build = StringField("OS build", filters=[blank_to_none], validators=[Length(max=128)])
    os_architecture = StringField("Architecture", filters=[blank_to_none], validators=[Length(max=64)])
    cpu_model = StringField("CPU", filters=[blank_to_none], validators=[Length(max=255)])
    cpu_cores = IntegerField("CPU cores", validators=[Optional(), NumberRange(min=1, max=4096)])
    ram_gb = FloatField("RAM (GB)", validators=[Optional(), NumberRange(min=0)])
    storage_total_gb = FloatField("Storage (GB)", validators=[Optional(), NumberRange(min=0)])
    ip_addresses = LineListField("IP addresses")
    mac_addresses = LineListField("MAC addresses")
    location = StringField("Location", filters=[blank_to_none], validators=[Length(max=255)])
    last_user = StringField("Last user", filters=[blank_to_none], validators=[Length(max=255)])
    notes = TextAreaField("Notes")
    custom_attributes = KeyValueField("Custom attributes")


class TicketForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=255)])
    description = TextAreaField("Description")
    client_id = SelectField("Client", coerce=optional_int)
    priority = SelectField("Priority", choices=_choices(TICKET_PRIORITIES), default="medium")
    status = SelectField("Status", choices=_choices(TICKET_STATUSES), default="open")
    board = SelectField("Board", choices=[choice(board, board) for board in TICKET_BOARDS])
    assignee_id = SelectField("Assignee", coerce=optional_int)


class NoteForm(FlaskForm):
    body = TextAreaField("Note", validators=[DataRequired()])
    internal = BooleanField("Internal (not visible to the client)", default=True)


class WorkForm(FlaskForm):
    minutes = IntegerField("Minutes", validators=[DataRequired(), NumberRange(min=1, max=24 * 60)])
    note = StringField("What was done", validators=[Length(max=2000)])


class CloseForm(FlaskForm):
    note = TextAreaField("Resolution")


class LinkAssetForm(FlaskForm):
    asset_id = SelectField("Asset", coerce=int)
