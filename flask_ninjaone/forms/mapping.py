"""Forms of the organization mapping page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField


class OrganizationMappingForm(FlaskForm):
    """Map one organization: a client (or none = unmapped) and whether its devices auto-sync."""

    client_id = SelectField("Client", choices=[], validate_choice=True)
    auto_sync = BooleanField("Auto-sync", default=True)


class ConfirmPlanForm(FlaskForm):
    """The confirmation of a bulk action: carries the list the person saw
    (``organizations.client_mapping.encode_plan``), so the action is refused when that list is no
    longer what would happen."""

    plan = HiddenField()


class ActionForm(FlaskForm):
    """A one-button action: the form exists for its CSRF token."""
