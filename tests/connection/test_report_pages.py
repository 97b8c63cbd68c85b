"""The warranties-ending and billing-count pages and their CSVs: what they show, and what they refuse
(a window out of range, a malformed or future month, another tenant's client)."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from flask_ninjaone.connection.connect import connect_client_credentials
from flask_ninjaone.models import Integration
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.sync.runner import run_sync
from sample_host.models import Client
from tests.support.connection_flow import tenant_db, tenant_id

PREFIX = "/integrations/ninjaone/reports"


@pytest.fixture
def world(web_app, fake):
    """acme and globex connected to one fake; acme mapped (clients created) and synced."""
    for slug in ("acme", "globex"):
        with tenant_db(web_app, slug) as session:
            connect_client_credentials(
                session, client_id="demo-client-id", client_secret="demo-client-secret",
                region=None, custom_url=fake.url, actor=None,
            )  # fmt: skip
            if slug == "acme":
                integration = session.scalars(select(Integration)).one()
                mapping.apply_suggestions(session, integration, create_missing=True)
                assert run_sync(integration.id).state == "succeeded"
    return web_app


def _globex_client(app) -> str:
    globex, acme = int(tenant_id(app, "globex")), int(tenant_id(app, "acme"))
    with tenant_db(app, "globex") as session:
        acme_ids = set(session.scalars(select(Client.id).where(Client.tenant_id == acme)))
        found = session.scalars(select(Client.id).where(Client.tenant_id == globex)).first()
    assert found is not None and found not in acme_ids
    return str(found)


def test_the_pages_are_in_the_navigation_and_state_the_rule(world, admin) -> None:
    page = admin.get("/integrations/ninjaone/").get_data(as_text=True)
    assert f'href="{PREFIX}/warranties"' in page and f'href="{PREFIX}/billing"' in page
    billing = html.unescape(admin.get(PREFIX + "/billing").get_data(as_text=True))
    assert "Retired devices" in billing and "held devices" in billing
    assert "ninjaone-billing__table" in billing


def test_the_warranty_list_and_csv(world, admin) -> None:
    page = admin.get(PREFIX + "/warranties?days=3650")
    assert page.status_code == 200
    assert "data-device=" in page.get_data(as_text=True)  # the fake's fleet has warranties
    csv = admin.get(PREFIX + "/warranties.csv?days=3650")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0].startswith("Client,Client id,Device")


@pytest.mark.parametrize("days", ["0", "3651", "abc", "-5"])
def test_a_window_out_of_range_is_refused(world, admin, days) -> None:
    page = admin.get(f"{PREFIX}/warranties?days={days}")
    assert page.status_code == 400
    assert "from 1 to 3650" in page.get_data(as_text=True)
    assert admin.get(f"{PREFIX}/warranties.csv?days={days}").status_code == 400


@pytest.mark.parametrize(("month", "message"), [("2999-01", "has not come yet"), ("2026-1", "YYYY-MM")])
def test_a_bad_month_is_refused(world, admin, month, message) -> None:
    page = admin.get(f"{PREFIX}/billing?month={month}")
    assert page.status_code == 400
    assert message in html.unescape(page.get_data(as_text=True))
    assert admin.get(f"{PREFIX}/billing.csv?month={month}").status_code == 400


def test_billing_csv_today(world, admin) -> None:
    csv = admin.get(PREFIX + "/billing.csv")
    assert csv.status_code == 200
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Client,Client id,Asset type,Role") and len(lines) > 1


@pytest.mark.parametrize("url", ["/warranties", "/warranties.csv", "/billing", "/billing.csv"])
def test_another_tenants_client_is_not_found(world, admin, url) -> None:
    assert admin.get(f"{PREFIX}{url}?client={_globex_client(world)}").status_code == 404
