"""Forms of the NinjaOne settings page: API client credentials and sync settings (one-button actions
use :class:`~flask_ninjaone.forms.mapping.ActionForm`)."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, IntegerField, PasswordField, RadioField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..client import INSTANCES
from ..client.instances import normalize_base_url
from ..connection.connect import (
    INVENTORY_INTERVAL_RANGE,
    MAX_CLIENT_ID,
    MAX_SECRET,
    MAX_URL,
    SYNC_INTERVAL_RANGE,
)
from .instance import InstanceBoundForm

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    # types-WTForms 3.2 predates SelectChoice (added in WTForms 3.3)
    from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None

CUSTOM_REGION = "custom"


def _choice(value: str, label: str) -> Any:
    return SelectChoice(value, label) if SelectChoice is not None else (value, label)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class MinutesField(IntegerField):
    """An integer field whose "not a number" message talks about minutes."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number of minutes.") from None


class CredentialsForm(InstanceBoundForm):
    """The tenant's NinjaOne API client. The secret is write-only: it is never rendered back."""

    client_id = StringField(
        "Client ID",
        filters=[_strip],
        validators=[
            DataRequired("Enter the Client ID of your NinjaOne API client."),
            Length(max=MAX_CLIENT_ID, message=f"The Client ID is longer than {MAX_CLIENT_ID} characters."),
            Regexp(r"^\S+$", message="The Client ID has no spaces: copy it exactly as NinjaOne shows it."),
        ],
    )
    client_secret = PasswordField(
        "Client Secret",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=MAX_SECRET, message=f"The Client Secret is longer than {MAX_SECRET} characters."),
        ],
    )
    region = RadioField(
        "Region",
        choices=[_choice(key, instance.label) for key, instance in INSTANCES.items()]
        + [_choice(CUSTOM_REGION, "Custom URL")],
        default="app",
        validators=[InputRequired("Choose the region of your NinjaOne instance.")],
    )
    custom_url = StringField(
        "Custom instance URL",
        filters=[_strip],
        validators=[Length(max=MAX_URL, message=f"The URL is longer than {MAX_URL} characters.")],
    )

    def validate_custom_url(self, field: StringField) -> None:
        if self.region.data != CUSTOM_REGION:
            return
        if not field.data:
            raise ValidationError(
                "Enter the address of your NinjaOne instance, e.g. https://eu.ninjarmm.com."
            )
        try:  # the form of the address only: whether it may be used is the service's to decide
            normalize_base_url(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class SyncSettingsForm(InstanceBoundForm):
    """How and how often the integration syncs."""

    auto_sync = BooleanField("Sync automatically")
    sync_interval_minutes = MinutesField(
        "Device sync interval (minutes)",
        validators=[
            InputRequired("Enter the device sync interval in minutes."),
            NumberRange(*SYNC_INTERVAL_RANGE, message="Choose between %(min)s and %(max)s minutes."),
        ],
    )
    inventory_interval_minutes = MinutesField(
        "Inventory refresh interval (minutes)",
        validators=[
            InputRequired("Enter the inventory refresh interval in minutes."),
            NumberRange(*INVENTORY_INTERVAL_RANGE, message="Choose between %(min)s and %(max)s minutes."),
        ],
    )
    sync_pending_devices = BooleanField(
        "Also sync devices waiting for approval (PENDING, STAGED): their assets stay held back until approved"
    )


class RenameInstanceForm(InstanceBoundForm):
    """A new name for the instance the page shows; whether it may be used (empty, too long, only
    digits, another instance's) is :func:`flask_ninjaone.connection.instances.check_name`'s to say,
    the same check as ``flask ninjaone instance rename``."""

    name = StringField("Instance name")
