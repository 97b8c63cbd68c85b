"""The fake's stand-in for NinjaOne's web app: the dashboard / Remote Connect link opens an HTML device
page (not JSON), and the demo's named organizations."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from flask_ninjaone.host import ClientRef
from flask_ninjaone.organizations.client_mapping import normalize_name, suggestion_index
from flask_ninjaone.testing.fake_ninjaone import FakeState, create_fake_app, seed_fleet
from flask_ninjaone.testing.fake_ninjaone.oauth_store import ALL_SCOPES, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from sample_host.seed import TENANTS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def state() -> FakeState:
    state = FakeState()
    seed_fleet(state, devices=30, organizations=3, seed=9, now=1_760_000_000.0)
    return state


@pytest.fixture
def web(state):
    return create_fake_app(state).test_client()


def test_the_device_page_is_html_with_the_device_and_its_alerts(state, web) -> None:
    device = next(d for d in state.devices_page(None, 100) if d.get("os"))
    state.trigger_condition(device["id"], severity="CRITICAL", message="Disk <C:> is 97% full")
    response = web.get(f"/_fake/dashboard/devices/{device['id']}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert f'data-fake-device="{device["id"]}"' in page
    assert f"<h1>{device['displayName'] if 'displayName' in device else device['systemName']}</h1>" in page
    organization = state.organization(device["organizationId"])
    assert organization["name"].replace("&", "&amp;") in page and device["os"]["name"] in page
    assert "Disk &lt;C:&gt; is 97% full" in page and "CRITICAL" in page  # escaped, not raw
    assert "Online" in page or "Offline" in page


def test_an_unknown_device_is_an_html_404(web) -> None:
    response = web.get("/_fake/dashboard/devices/987654")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Device not found" in response.get_data(as_text=True)


def test_the_dashboard_link_opens_the_web_app_shell(state, web) -> None:
    """``dashboard-url`` answers ``{base}/#/deviceDashboard/{id}/overview`` like NinjaOne: the browser
    requests ``/``, whose script shows the device named in the fragment; without script it lists them."""
    token = web.post(
        "/ws/oauth/token",
        data={"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID,
              "client_secret": DEMO_CLIENT_SECRET, "scope": " ".join(sorted(ALL_SCOPES))},
    ).get_json()["access_token"]  # fmt: skip
    device = state.devices_page(None, 1)[0]
    url = web.get(
        f"/v2/device/{device['id']}/dashboard-url", headers={"Authorization": f"Bearer {token}"}
    ).get_json()["url"]
    assert url.endswith(f"/#/deviceDashboard/{device['id']}/overview")
    counted = dict(state.request_counts())
    shell = web.get("/")
    page = shell.get_data(as_text=True)
    assert shell.status_code == 200 and shell.mimetype == "text/html"
    assert "deviceDashboard" in page and "/_fake/dashboard/devices/" in page  # the fragment router
    assert f'href="/_fake/dashboard/devices/{device["id"]}"' in page
    assert all(f'data-fake-organization="{o["id"]}"' in page for o in state.organizations_page(None, 10))
    assert dict(state.request_counts()) == counted  # the web app is not the API: not counted


def test_named_organizations_are_added_after_the_generated_ones(state) -> None:
    other = FakeState()
    seed_fleet(
        other, devices=30, organizations=3, seed=9, now=1_760_000_000.0, organization_names=[" Acme, Inc. "]
    )
    generated = [o["name"] for o in state.organizations_page(None, 10)]
    assert [o["name"] for o in other.organizations_page(None, 10)] == [*generated, "Acme, Inc."]
    acme = other.organizations_page(None, 10)[-1]
    assert other.locations_of(acme["id"])


@pytest.mark.parametrize("names", [[""], ["  "], ["x" * 256]])
def test_bad_organization_names_are_refused(names) -> None:
    with pytest.raises(ValueError):
        seed_fleet(FakeState(), devices=1, organization_names=names)


def test_the_simulator_refuses_a_bad_organization_name(app) -> None:
    result = app.test_cli_runner().invoke(
        args=["ninjaone", "simulator", "--port", "0", "--organization", " "]
    )
    assert result.exit_code == 2 and "organization names must be 1 to 255 characters" in result.output


def test_the_demo_organizations_suggest_seeded_clients_of_each_tenant() -> None:
    """``python3 dev.py demo`` adds organizations spelled like the sample host's clients, so the demo's
    mapping page shows suggestions for both tenants."""
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    suggested: dict[str, set[str]] = {}
    for tenant in TENANTS:
        index = suggestion_index([ClientRef(str(i), name) for i, name in enumerate(tenant["clients"])])
        suggested[tenant["slug"]] = {
            index[normalize_name(n)].name for n in dev.DEMO_ORGANIZATIONS if normalize_name(n) in index
        }
    assert suggested == {
        "acme": {"Northwind Traders", "Contoso Dental Group", "Fabrikam Legal LLP"},
        "globex": {"Initech", "Vandelay Industries"},
    }
    assert all(name not in sum((list(t["clients"]) for t in TENANTS), []) for name in dev.DEMO_ORGANIZATIONS)
