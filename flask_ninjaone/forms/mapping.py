"""Forms of the mapping pages: organizations → clients, locations → sites, device types."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from .instance import InstanceBoundForm


class OrganizationMappingForm(InstanceBoundForm):
    """Map one organization: a client (or none = unmapped) and whether its devices auto-sync."""

    client_id = SelectField("Client", choices=[], validate_choice=True)
    auto_sync = BooleanField("Auto-sync", default=True)


class ConfirmPlanForm(InstanceBoundForm):
    """The confirmation of a bulk action: carries the list the person saw
    (``organizations.client_mapping.encode_plan``), so the action is refused when that list is no
    longer what would happen."""

    plan = HiddenField()


class ActionForm(InstanceBoundForm):
    """A one-button action: the form exists for its CSRF token."""


class LocationSiteForm(InstanceBoundForm):
    """Map one NinjaOne location to a site of its organization's client (empty: no site). The choice
    is checked by the domain against what the host lists now, not against the rendered options."""

    site_id = SelectField("Site", choices=[], validate_choice=False)


class DeviceTypeRuleForm(InstanceBoundForm):
    """Add a device type rule (or change the type of the rule with the same scope and match).

    ``match`` is ``role:<id>`` or ``class:<NODE_CLASS>``; ``organization_id`` ``0`` is every
    organization. The choices are checked by the domain (roles against NinjaOne's list, types against
    the host's), so a submit needs no second round trip to NinjaOne to rebuild them.
    """

    organization_id = IntegerField(
        "Organizations", default=0, validators=[InputRequired(), NumberRange(min=0)]
    )
    match = StringField("NinjaOne role or class", validators=[InputRequired(), Length(max=80)])
    host_asset_type = StringField("Asset type", validators=[InputRequired(), Length(max=64)])
