"""Forms of the field map page (custom fields -> asset attributes, last users -> contacts)."""

from __future__ import annotations

from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, Length

from .instance import InstanceBoundForm


class FieldMappingForm(InstanceBoundForm):
    """Map one NinjaOne field onto one attribute. Choices are not enforced here: the domain says
    clearly why a field that vanished meanwhile, or a type mismatch, cannot be saved."""

    field_name = SelectField("NinjaOne field", choices=[], validate_choice=False,
                             validators=[DataRequired(), Length(max=128)])  # fmt: skip
    attribute = SelectField("Asset attribute", choices=[], validate_choice=False,
                            validators=[DataRequired(), Length(max=128)])  # fmt: skip
    two_way = BooleanField("Two-way (changes made here go back to NinjaOne)")


class ContactSettingsForm(InstanceBoundForm):
    """Whether last logged-on users are linked to contacts, and whether missing contacts are created."""

    link_contacts = BooleanField("Link each device's last logged-on user to a contact")
    create_contacts = BooleanField("Create a contact when none matches")
