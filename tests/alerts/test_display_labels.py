"""Display labels: pages name tickets and assets the way the host's people do ("#42", the asset's
name), through the adapter's batch hooks, never by the internal ids the extension stores."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from flask import render_template_string, session
from sqlalchemy import select, update

from flask_ninjaone.host import HostAdapter
from flask_ninjaone.labels import MAX_LABEL, labels_for
from flask_ninjaone.models import AuditEntry
from flask_ninjaone.state import get_state
from sample_host.adapter import SampleHostAdapter
from sample_host.database import db
from sample_host.models import Asset, Ticket
from tests.support.alert_pages import PREFIX, _login, _user_id
from tests.support.alerts_world import World

NUMBER = 4242
ASSET_NAME = "NW-LT-0012"


@pytest.fixture
def labelled(world: World) -> dict:
    """An alert whose ticket's number (4242) and asset's name differ from their row ids."""
    world.add_rule("Catch-all", catch_all=True)
    device = world.device()
    alert = world.alert(world.trigger(device.device_id, severity="MAJOR")["alert"]["uid"])
    assert alert.ticket_id and alert.host_asset_id
    with world.app.app_context():
        db.session.execute(update(Ticket).where(Ticket.id == int(alert.ticket_id)).values(number=NUMBER))
        db.session.execute(update(Asset).where(Asset.id == int(alert.host_asset_id)).values(name=ASSET_NAME))
        db.session.commit()
        db.session.remove()
    assert str(NUMBER) != alert.ticket_id and alert.host_asset_id != ASSET_NAME
    return {"alert": alert.id, "ticket": alert.ticket_id, "asset": alert.host_asset_id}


def _labels(body: str, kind: str) -> list[str]:
    return [text.strip() for text in re.findall(rf"data-{kind}-label>([^<]*)<", body)]


def test_alerts_list_and_detail_show_host_labels(world: World, labelled: dict) -> None:
    client = _login(world.app, "tech@acme.test")
    listing = client.get(PREFIX + "/alerts/").get_data(as_text=True)
    assert _labels(listing, "ticket") == [f"#{NUMBER}"]
    assert _labels(listing, "asset") == [ASSET_NAME]
    assert f">#{labelled['ticket']}<" not in listing
    detail = client.get(PREFIX + f"/alerts/{labelled['alert']}").get_data(as_text=True)
    assert _labels(detail, "ticket") == [f"#{NUMBER}"]
    assert _labels(detail, "asset") == [ASSET_NAME]


def test_asset_and_ticket_panels_show_host_labels(world: World, labelled: dict) -> None:
    app = world.app
    client = _login(app, "tech@acme.test")
    panel = client.get(PREFIX + f"/assets/{labelled['asset']}/panel").get_data(as_text=True)
    assert _labels(panel, "ticket") == [f"#{NUMBER}"]
    with app.test_request_context("/"):
        session["user_id"] = _user_id(app, "tech@acme.test")
        html = render_template_string("{{ ninjaone_ticket_panel(ticket_id) }}", ticket_id=labelled["ticket"])
    assert _labels(html, "asset") == [ASSET_NAME]


def test_flash_after_create_ticket_names_the_ticket_by_label(world: World) -> None:
    world.add_rule("Quiet", catch_all=True, actions={"mode": "record_only"})
    alert = world.alert(world.trigger(world.device(1).device_id, severity="MINOR")["alert"]["uid"])
    client = _login(world.app, "tech@acme.test")
    posted = {"integration": alert.integration_id}
    body = client.post(PREFIX + f"/alerts/{alert.id}/ticket", data=posted, follow_redirects=True).get_data(
        as_text=True
    )
    ticket_id = world.alert(alert.series_uid).ticket_id
    with world.app.app_context():
        number = db.session.scalar(select(Ticket.number).where(Ticket.id == int(ticket_id)))
        db.session.remove()
    assert f'Ticket <a href="/tickets/{ticket_id}">#{number}</a> created.' in body


def test_remote_audit_names_asset_and_ticket_by_label(world: World, labelled: dict) -> None:
    client = _login(world.app, "admin@acme.test")
    response = client.post(
        PREFIX + f"/remote/assets/{labelled['asset']}/connect", data={"ticket_id": labelled["ticket"]}
    )
    assert response.status_code in (200, 302, 303)
    with world.scope() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action.like("remote%"))).first()
    body = client.get(PREFIX + "/remote/audit").get_data(as_text=True)
    assert ASSET_NAME in _labels(body, "asset")
    assert f"#{NUMBER}" in _labels(body, "ticket")


def test_a_page_of_alerts_asks_for_labels_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.add_rule("Catch-all", catch_all=True)
    for index in range(4):
        world.trigger(world.device(index).device_id, severity="MAJOR")
    host = get_state(world.app).host
    calls: list[tuple[str, int]] = []
    for name in ("ticket_labels", "asset_labels"):
        real = getattr(host, name)

        def record(tenant_id: str, ids: Sequence[str], real=real, name=name) -> dict[str, str]:
            calls.append((name, len(ids)))
            return real(tenant_id, ids)

        monkeypatch.setattr(host, name, record)
    body = _login(world.app, "tech@acme.test").get(PREFIX + "/alerts/").get_data(as_text=True)
    assert sorted(calls) == [("asset_labels", 4), ("ticket_labels", 4)]
    assert len(_labels(body, "ticket")) == 4


class _Odd(SampleHostAdapter):
    """A host answering its ticket-label hook badly, and keeping the default asset-label hook."""

    asset_labels = HostAdapter.asset_labels

    def ticket_labels(self, tenant_id: str, ticket_ids: Sequence[str]) -> dict[str, str]:
        return {"1": "  #1  ", "2": 42, "3": "\x00bad", "4": "x" * 500, "99": "not asked"}  # type: ignore[dict-item]


def test_labels_from_the_host_are_validated(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_state(world.app), "host", _Odd())
    with world.app.app_context():
        labels = labels_for("1", ticket_ids=["1", "2", "3", "4", None, ""], asset_ids=["7"])
    assert labels.ticket("1") == "#1"
    assert labels.ticket("2") == "#2" and labels.ticket("3") == "#3"  # not a printable string → default
    assert len(labels.ticket("4")) == MAX_LABEL and labels.ticket("4").endswith("…")
    assert "99" not in labels.tickets
    assert labels.asset("7") == "Asset 7"  # the default hook
