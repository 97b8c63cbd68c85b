"""A tenant admin cannot make the server connect where the operator did not allow (issue 14, item 4).

The settings page accepts NinjaOne's regions and the URLs in ``NINJAONE_ALLOWED_BASE_URLS`` (the world
lists both tenants' fakes); everything else gets one generic message and nothing is written. URLs
nobody vouched for are checked again when connecting, against the address actually reached, so an
integration whose URL is no longer listed (or whose name now resolves somewhere internal) reaches
nothing. The operator's CLI stays trusted with any instance URL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flask_ninjaone.connection.base_urls import UNREACHABLE
from flask_ninjaone.models import AuditEntry, Integration
from flask_ninjaone.sync.runner import run_sync
from tests.support.security_world import CLIENT_ID, CLIENT_SECRET, PREFIX, state_changes, tenant_db

#: Where a tenant admin pointed the server in the attack, and more of the same kind. ``{fake_port}``
#: is acme's fake NinjaOne: a real server answers there, under a name the operator did not list.
REFUSED_URLS = (
    "http://127.0.0.1:6379",  # Redis
    "http://localhost:5432",  # PostgreSQL
    "https://169.254.169.254",  # cloud metadata
    "https://10.0.0.1",  # private network
    "https://[::1]",  # IPv6 loopback
    "http://0.0.0.0",  # unspecified: this host
    "http://[::ffff:127.0.0.1]:6379",  # loopback mapped into IPv6
    "https://100.100.100.200",  # another cloud's metadata (shared address space)
    "http://localhost:{fake_port}",  # a name resolving to 127.0.0.1, an open port, not listed
    "http://127.0.0.1:{other_port}",  # an open port on loopback that is not the listed fake
    "https://ninja.example.com",  # public-looking, not listed
)


def _save(client, url: str, secret: str = CLIENT_SECRET):
    return client.post(
        f"{PREFIX}/credentials",
        data={"client_id": CLIENT_ID, "client_secret": secret, "region": "custom", "custom_url": url},
    )


def _port(url: str) -> str:
    return url.rsplit(":", 1)[1]


@pytest.mark.parametrize("template", REFUSED_URLS)
def test_the_page_refuses_every_url_not_listed_with_one_message_and_writes_nothing(world, template):
    acme_fake, globex_fake = world.fakes["acme"], world.fakes["globex"]
    url = template.format(fake_port=_port(acme_fake.url), other_port=_port(globex_fake.url))
    if "{other_port}" in template:  # globex's fake is listed: unlist it so it is just an open port
        app = world.make_app(NINJAONE_ALLOWED_BASE_URLS=[acme_fake.url])
    else:
        app = world.app
    for fake in world.fakes.values():
        fake.state.reset_counters()
    before = world.state()

    response = _save(world.client("admin", app=app), url)

    assert response.status_code == 400
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert UNREACHABLE.split(",")[0] in page
    assert state_changes(before, world.state()) == []
    assert [fake.state.request_counts() for fake in world.fakes.values()] == [{}, {}]  # nothing sent


def test_a_region_typed_as_a_custom_url_is_accepted_and_guarded(world):
    response = _save(world.client("admin", "globex"), "https://EU.ninjarmm.com/")
    assert response.status_code == 400  # globex is connected: another instance is refused, but
    page = response.get_data(as_text=True)  # for that reason, not as a URL it may not use
    assert "cannot move to https://eu.ninjarmm.com" in page and UNREACHABLE.split(",")[0] not in page


def test_a_listed_url_is_accepted(world):
    url = world.fakes["acme"].url
    response = _save(world.client("admin"), url, secret="")  # the URL it has: the secret may stay blank
    assert response.status_code == 302
    with tenant_db(world.app, "acme") as session:
        saved = select(AuditEntry).where(AuditEntry.action == "credentials_saved")
        entry = session.scalars(saved.order_by(AuditEntry.id.desc())).first()
        assert entry.detail["base_url"] == url and entry.detail["base_url_set_by_operator"] is False


def test_connecting_checks_the_address_reached_not_the_url_saved(world):
    """acme's integration holds a URL nobody vouches for any more (it was listed once; now the name
    resolves to loopback): Connect, sync and webhook work reach nothing, and the page says only the
    generic message. The same fake under its listed URL works (the world was built through it)."""
    fake = world.fakes["acme"]
    app = world.make_app(NINJAONE_ALLOWED_BASE_URLS=[world.fakes["globex"].url])  # acme's is unlisted
    with tenant_db(app, "acme") as session:
        integration = session.scalars(select(Integration)).one()
        integration.base_url = f"http://localhost:{_port(fake.url)}"
        integration_id = integration.id
        session.commit()
    fake.state.reset_counters()

    client = world.client("admin", app=app)
    assert client.post(f"{PREFIX}/connect").status_code == 302
    page = client.get(f"{PREFIX}/").get_data(as_text=True).replace("&#39;", "'")
    assert UNREACHABLE.split(",")[0] in page
    with tenant_db(app, "acme"):
        run = run_sync(integration_id, kind="full", trigger="manual")
        assert run.state == "failed" and "1 attempt" in run.error  # a refusal is not retried
    assert fake.state.request_counts() == {}


def test_the_operator_cli_may_set_an_unlisted_url_and_workers_keep_using_it(world):
    fake = world.fakes["acme"]
    app = world.make_app(NINJAONE_ALLOWED_BASE_URLS=[])  # nothing listed: only the operator vouches
    result = app.test_cli_runner().invoke(
        args=["ninjaone", "connect", "--tenant", "acme", "--client-id", CLIENT_ID,
              "--client-secret", CLIENT_SECRET, "--base-url", fake.url]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with tenant_db(app, "acme") as session:
        integration = session.scalars(select(Integration)).one()
        assert integration.base_url == fake.url and integration.base_url_set_by_operator
        integration_id = integration.id
    with tenant_db(app, "acme"):
        assert run_sync(integration_id, kind="full", trigger="manual").state == "succeeded"
    # The tenant may keep the operator's URL (a new secret), not type another unlisted one.
    admin = world.client("admin", app=app)
    assert _save(admin, fake.url).status_code == 302
    assert _save(admin, "http://127.0.0.1:6379").status_code == 400
    with tenant_db(app, "acme") as session:
        assert session.scalars(select(Integration)).one().base_url_set_by_operator
