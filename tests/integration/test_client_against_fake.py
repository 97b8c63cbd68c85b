"""The API client over real HTTP against the fake NinjaOne: paging, cursors, faults, token life."""

from __future__ import annotations

import pytest

from flask_ninjaone.client import InMemoryTokenStore, NinjaOneClient, ReconnectRequired, UserContextRequired
from flask_ninjaone.client.oauth import DEFAULT_SCOPES, client_credentials
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from flask_ninjaone.testing.fleets import Fleet
from tests.support.oauth_flow import CLIENT_ID, CLIENT_SECRET, authorization_code_tokens

DEVICES = 2500
#: Device lists show APPROVED devices only unless ``df`` names statuses (as NinjaOne does).
EVERY_STATUS = "status in (APPROVED,PENDING,STAGED,DECOMMISSIONED)"


@pytest.fixture
def ninjaone_fleet():
    return Fleet(devices=DEVICES, organizations=5, seed=11)


@pytest.fixture
def make_client(fake):

    def build(page_size: int = 1000, **kwargs) -> tuple[NinjaOneClient, InMemoryTokenStore]:
        store = InMemoryTokenStore(authorization_code_tokens(fake.url))
        client = NinjaOneClient(fake.url, CLIENT_ID, CLIENT_SECRET, store, page_size=page_size,
                                sleep=lambda _s: None, **kwargs)  # fmt: skip
        return client, store

    return build


@pytest.mark.parametrize("page_size", [1, 100, 1000])
def test_paging_exhausts_exactly_every_device(make_client, fake, page_size):
    client, _ = make_client(page_size=page_size)
    limit = 150 if page_size == 1 else None  # page size 1 over 2,500 devices: check a prefix + the count rule
    if limit:
        ids = [device["id"] for device in client.devices(df=f"org = 1 AND {EVERY_STATUS}")]
        expected = [d["id"] for d in fake.state.devices_page(None, 10**6) if d["organizationId"] == 1]
        assert ids == expected
        assert fake.state.request_counts()["GET /v2/devices"] == len(expected) + 1
        return
    ids = [device["id"] for device in client.devices_detailed(df=EVERY_STATUS)]
    assert len(ids) == DEVICES and len(set(ids)) == DEVICES
    assert ids == sorted(ids)
    pages = -(-DEVICES // page_size) + (1 if DEVICES % page_size == 0 else 0)
    assert fake.state.request_counts()["GET /v2/devices-detailed"] == pages


def test_query_cursor_with_repeating_name_walks_every_row(make_client, fake):
    client, _ = make_client(page_size=1000)
    pages = list(client.software().pages())
    names = {page.cursor["name"] for page in pages if page.cursor}
    assert len(pages) > 2 and len(names) == 1, "the fake repeats the cursor name, like NinjaOne"
    rows = sum(len(page.items) for page in pages)
    assert rows == sum(len(fake.state.device_software(d["id"])) for d in fake.state.devices_page(None, 10**6))


@pytest.mark.parametrize(
    "fault",
    [
        Fault(path="/v2/devices-detailed", kind="rate_limit", times=3, retry_after=1),
        Fault(path="/v2/devices-detailed", kind="rate_limit", times=3),
        Fault(path="/v2/devices-detailed", kind="html_throttle", times=2),
        Fault(path="/v2/devices-detailed", kind="server_error", times=3),
    ],
    ids=["429-retry-after", "429-no-header", "html-throttle", "500-burst"],
)
def test_throttling_and_server_errors_are_recovered(make_client, fake, fault):
    client, _ = make_client()
    fake.state.faults.inject(fault)
    assert len(list(client.devices_detailed(df=EVERY_STATUS))) == DEVICES
    assert client.stats["retries"] >= fault.times


def test_token_expiry_mid_walk_is_recovered(make_client, fake):
    client, store = make_client(page_size=500)
    first = store.load()
    walked = 0
    for number, page in enumerate(client.devices_detailed(df=EVERY_STATUS).pages()):
        walked += len(page.items)
        if number == 1:
            fake.state.oauth.expire_access_tokens()
    assert walked == DEVICES
    assert store.load().access_token != first.access_token
    assert store.load().refresh_token != first.refresh_token  # rotated, and the new one was saved
    assert fake.state.token_grant_counts().get("refresh_token") == 1


def test_revoked_refresh_token_raises_reconnect_required_once(make_client, fake):
    client, store = make_client()
    fake.state.oauth.revoke_refresh_tokens()
    fake.state.oauth.expire_access_tokens()
    with pytest.raises(ReconnectRequired):
        list(client.devices())
    with pytest.raises(ReconnectRequired):
        list(client.devices())
    assert store.reconnect_required
    assert fake.state.token_grant_counts().get("refresh_token") == 1, (
        "a rejected refresh token is not retried"
    )


def test_device_actions_over_http_and_scripts_need_a_signed_in_connection(make_client, fake):
    device = next(
        d
        for d in fake.state.devices_page(None, 1000)
        if d["nodeClass"] == "WINDOWS_SERVER" and not d["offline"]
    )
    client, _ = make_client()
    options = client.scripting_options(device["id"])
    script = next(option for option in options["scripts"] if option["type"] == "SCRIPT")
    client.run_script(
        device["id"], script_type="SCRIPT", script_id=script["id"], run_as=options["credentials"]["roles"][0]
    )
    client.reboot_device(device["id"], "NORMAL", "integration test")
    assert fake.state.device(device["id"])["os"]["lastBootTime"] is not None
    machine_tokens = InMemoryTokenStore(
        client_credentials(fake.url, CLIENT_ID, CLIENT_SECRET, DEFAULT_SCOPES)
    )
    machine = NinjaOneClient(fake.url, CLIENT_ID, CLIENT_SECRET, machine_tokens, sleep=lambda _s: None)
    with pytest.raises(UserContextRequired):
        machine.run_script(device["id"], script_type="SCRIPT", script_id=script["id"])
    counts = fake.state.request_counts()
    assert (
        counts["POST /v2/device/{id}/script/run"] == 2 and counts["POST /v2/device/{id}/reboot/{mode}"] == 1
    )
