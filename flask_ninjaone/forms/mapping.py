"""Forms of the organization mapping page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired


class OrganizationMappingForm(FlaskForm):
    """Map one organization: a client (or none = unmapped) and whether its devices auto-sync."""

    client_id = SelectField("Client", choices=[], validate_choice=True)
    auto_sync = BooleanField("Auto-sync", default=True)


class ConfirmForm(FlaskForm):
    """A bulk action that needs an explicit tick (e.g. applying every suggestion)."""

    confirm = BooleanField("I checked the suggestions", validators=[DataRequired("Tick the box to confirm.")])


class ActionForm(FlaskForm):
    """A one-button action: the form exists for its CSRF token."""
