"""Forms bound to the NinjaOne instance they were rendered for (issue 22).

A tenant with several instances chooses the one the pages show in the browser session, so two tabs
share one choice: a form rendered for "alpha", posted after another tab switched to "beta", must still
act on alpha. Every form therefore carries the id of the instance its page was rendered for, in one
hidden field written by :meth:`InstanceBoundForm.hidden_tag` (and :func:`instance_field` for the few
forms built by hand); the server acts on that instance
(:func:`flask_ninjaone.blueprints.states.selected_integration`), never on the session's current choice.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_wtf import FlaskForm
from markupsafe import Markup

#: The posted field naming the instance a form was rendered for.
INSTANCE_FIELD = "ninjaone_instance"
#: The posted field naming the instance of the asset's device a panel form acts on: an asset fed by a
#: device of each of two instances (the same machine) has a section, and forms, per device.
DEVICE_INSTANCE_FIELD = "ninjaone_device_instance"
#: ``g`` key of the id of the instance the page being rendered shows (set when the page resolves it).
RENDERED_INSTANCE = "ninjaone_rendered_instance"


def remember_rendered(integration_id: int | None) -> None:
    """Note the instance this request's page shows, for the forms it renders."""
    setattr(g, RENDERED_INSTANCE, integration_id)


def instance_field() -> Markup:
    """The hidden input naming the instance this page was rendered for; empty for a page that shows
    none (a tenant without instances: nothing to act on)."""
    integration_id = g.get(RENDERED_INSTANCE)
    if integration_id is None:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(INSTANCE_FIELD, integration_id)


def device_instance_field(device: Any) -> Markup:
    """The hidden input naming the instance of ``device``, the asset's device a panel form acts on."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        DEVICE_INSTANCE_FIELD, device.integration_id
    )


class InstanceBoundForm(FlaskForm):
    """A Flask-WTF form whose hidden fields (CSRF token …) include the instance it was rendered for."""

    def hidden_tag(self, *fields: Any) -> Markup:
        return Markup(super().hidden_tag(*fields)) + instance_field()
