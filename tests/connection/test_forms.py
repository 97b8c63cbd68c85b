"""Bad input on the settings forms: a clear message on the page, status 400, nothing saved."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from flask_ninjaone.connection.connect import SettingsError, update_sync_settings
from flask_ninjaone.models import AuditEntry, Integration
from tests.support.connection_flow import (
    PREFIX,
    ends_on_settings,
    page_text,
    save_credentials,
    settings_page,
    tenant_db,
)

SECRET = "Sup3rSecretValue-9x7"


def _post_credentials(client, **fields):
    data = {"client_id": "my-client", "client_secret": SECRET, "region": "eu", "custom_url": ""}
    data.update(fields)
    return client.post(PREFIX + "/credentials", data=data)


def _nothing_saved(app) -> None:
    with tenant_db(app) as session:
        assert session.scalars(select(Integration)).first() is None
        assert session.scalars(select(AuditEntry)).all() == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"client_id": ""}, "Enter the Client ID of your NinjaOne API client."),
        ({"client_id": "   "}, "Enter the Client ID of your NinjaOne API client."),
        ({"client_id": "my client"}, "The Client ID has no spaces"),
        ({"client_id": "c" * 256}, "The Client ID is longer than 255 characters."),
        ({"client_secret": "s" * 513}, "The Client Secret is longer than 512 characters."),
        ({"client_secret": ""}, "Enter the Client Secret of this API client."),
        ({"region": "mars"}, "Not a valid choice"),
        ({"region": ""}, "Choose the region of your NinjaOne instance."),
        ({"region": "custom", "custom_url": ""}, "Enter the address of your NinjaOne instance"),
        ({"region": "custom", "custom_url": "ftp://eu.ninjarmm.com"}, "must start with https://"),
        ({"region": "custom", "custom_url": "http://ninja.example.com"}, "may not be used here"),
        ({"region": "custom", "custom_url": "https://eu.ninjarmm.com/v2"}, "not an API path"),
        ({"region": "custom", "custom_url": "https://me:pw@eu.ninjarmm.com"}, "must not contain a user name"),
        (
            {"region": "custom", "custom_url": "https://eu.ninjarmm.com/?x=1"},
            "Enter only the instance address",
        ),
        ({"region": "custom", "custom_url": "not a url"}, "must start with https://"),
        ({"region": "custom", "custom_url": "https://" + "a" * 250 + ".com"}, "The URL is longer than 255"),
    ],
)
def test_bad_credentials_input(web_app, admin, fields, message):
    response = _post_credentials(admin, **fields)
    assert response.status_code == 400
    text = page_text(response)
    assert message in text
    assert SECRET not in text, "the secret typed in is never rendered back"
    _nothing_saved(web_app)


def test_good_credentials_and_blank_secret_keeps_the_saved_one(web_app, admin):
    ends_on_settings(_post_credentials(admin))
    ends_on_settings(_post_credentials(admin, client_secret=""))
    # The saved secret is never sent to a newly chosen instance: a new region needs it typed again.
    response = _post_credentials(admin, client_secret="", region="ca")
    assert response.status_code == 400
    assert "Enter the Client Secret again" in page_text(response)
    ends_on_settings(_post_credentials(admin, region="ca"))
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.region == "ca" and integration.base_url == "https://ca.ninjarmm.com"
        assert integration.credential.client_secret == SECRET
        assert integration.credential.client_secret_hint == SECRET[-4:]
    page = settings_page(admin)
    assert f"Saved, ending in …{SECRET[-4:]}" in page and SECRET not in page
    assert re.search(r'<input checked[^>]*value="ca">', page)


def test_a_new_client_id_needs_its_secret(web_app, admin):
    ends_on_settings(_post_credentials(admin))
    response = _post_credentials(admin, client_id="another-client", client_secret="")
    assert response.status_code == 400
    assert "Enter the Client Secret of this API client." in page_text(response)
    with tenant_db(web_app) as session:
        assert session.scalars(select(Integration)).one().credential.client_id == "my-client"


def test_every_region_is_offered_with_its_description(admin):
    page = settings_page(admin)
    for label, description in [
        ("US", "United States (app.ninjarmm.com)"),
        ("US2", "us2.ninjarmm.com"),
        ("EMEA", "Europe, Middle East and Africa"),
        ("Oceania/APAC", "Asia-Pacific and Oceania"),
        ("Canada", "ca.ninjarmm.com"),
        ("FED", "fed.ninjarmm.com"),
        ("Custom URL", "Another address"),
    ]:
        assert f"<strong>{label}</strong>" in page and description in page


SYNC_OK = {"auto_sync": "y", "sync_interval_minutes": "60", "inventory_interval_minutes": "360"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sync_interval_minutes": "14"}, "Choose between 15 and 1440 minutes."),
        ({"sync_interval_minutes": "1441"}, "Choose between 15 and 1440 minutes."),
        ({"sync_interval_minutes": "-5"}, "Choose between 15 and 1440 minutes."),
        ({"sync_interval_minutes": "abc"}, "Enter a whole number of minutes."),
        ({"sync_interval_minutes": "60.5"}, "Enter a whole number of minutes."),
        ({"sync_interval_minutes": ""}, "Enter the device sync interval in minutes."),
        ({"sync_interval_minutes": "9" * 40}, "Choose between 15 and 1440 minutes."),
        ({"inventory_interval_minutes": "59"}, "Choose between 60 and 10080 minutes."),
        ({"inventory_interval_minutes": "10081"}, "Choose between 60 and 10080 minutes."),
    ],
)
def test_bad_sync_settings(web_app, admin, fields, message):
    ends_on_settings(_post_credentials(admin))
    response = admin.post(PREFIX + "/sync-settings", data={**SYNC_OK, **fields})
    assert response.status_code == 400
    assert message in page_text(response)
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert (integration.sync_interval_minutes, integration.inventory_interval_minutes) == (60, 360)
        assert integration.auto_sync is True
        assert (
            session.scalars(select(AuditEntry).where(AuditEntry.action == "sync_settings_changed")).all()
            == []
        )


def test_sync_settings_are_saved_and_audited(web_app, admin):
    ends_on_settings(_post_credentials(admin))
    ends_on_settings(
        admin.post(
            PREFIX + "/sync-settings",
            data={
                "sync_interval_minutes": "15",
                "inventory_interval_minutes": "10080",
                "sync_pending_devices": "y",
            },
        )
    )
    assert "Sync settings saved." in settings_page(admin)
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.auto_sync is False and integration.sync_pending_devices is True
        assert (integration.sync_interval_minutes, integration.inventory_interval_minutes) == (15, 10080)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "sync_settings_changed"))
        assert entry.user_name == "Ada Park" and entry.detail["sync_interval_minutes"] == 15


def test_sync_settings_service_rejects_out_of_range(web_app, admin):
    ends_on_settings(_post_credentials(admin))
    with tenant_db(web_app) as session:
        integration = session.scalars(select(Integration)).one()
        for interval in (14, 1441, True, "60"):
            with pytest.raises(SettingsError, match="between 15 and 1440"):
                update_sync_settings(
                    session,
                    integration,
                    auto_sync=True,
                    sync_interval_minutes=interval,
                    inventory_interval_minutes=360,
                    sync_pending_devices=False,
                    actor=None,
                )


def test_sync_settings_need_credentials_first(web_app, admin):
    ends_on_settings(admin.post(PREFIX + "/sync-settings", data=SYNC_OK))
    assert "Save the NinjaOne credentials first." in settings_page(admin)
    _nothing_saved(web_app)


def test_save_credentials_keeps_form_input_but_not_the_secret(admin, fake):
    response = save_credentials(admin, "ftp://nope", client_id="keep-me", client_secret=SECRET)
    assert response.status_code == 400
    text = page_text(response)
    assert 'value="keep-me"' in text and 'value="ftp://nope"' in text and SECRET not in text
