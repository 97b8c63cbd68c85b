"""Adoption by serial across instances asks (issue 22): a new device of "beta" whose serial is that of an
asset "alpha"'s device feeds is held (no asset) with a question, "the same machine seen by both?"; the
answer (link to that asset, or keep separate) is kept and every later sync follows it. A match by
NinjaOne id across instances is never a question: the two fakes number their devices from 1 alike, and
each device of beta got its own asset."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from flask_ninjaone.models import AdoptionQuestion, Device, Integration, SyncRun
from sample_host.models import Asset
from tests.support.adoption import same_serial_in_beta
from tests.support.connection_flow import PREFIX, SETTINGS, bound_to, flashed, page_text, tenant_db
from tests.support.instance_cli import json_of, ok

SYNC_PAGE = PREFIX + "/sync/"


def _ids(app: Flask) -> dict[str, int]:
    with tenant_db(app) as session:
        return {row.name: row.id for row in session.scalars(select(Integration))}


def _asset_count(app: Flask) -> int:
    with tenant_db(app) as session:
        return session.scalar(select(func.count()).select_from(Asset)) or 0


def _beta_device(app: Flask, device_id: int) -> Device | None:
    beta = _ids(app)["beta"]
    with tenant_db(app) as session:
        row = session.scalar(
            select(Device).where(Device.integration_id == beta, Device.device_id == device_id)
        )
        session.expunge_all()
        return row


def _sync(cli, name: str) -> None:
    ok(cli("sync", "--tenant", "acme", "--instance", name, "--full", "--wait"))


def _questions(cli, name: str = "beta", *extra: str) -> list[dict[str, Any]]:
    return json_of(cli("adoption", "list", "--tenant", "acme", "--instance", name, "--json", *extra))


def test_a_device_with_another_instances_serial_is_held_and_asked_once(web_app, cli, two_instances, admin):
    assert (
        _questions(cli, "beta", "--all") == _questions(cli, "alpha", "--all") == []
    )  # ids overlap: no question
    assets = _asset_count(web_app)
    created, alpha_device = same_serial_in_beta(web_app, two_instances["beta"])
    _sync(cli, "beta")
    _sync(cli, "beta")  # asked once, still held

    assert _asset_count(web_app) == assets and _beta_device(web_app, created["id"]) is None
    (question,) = _questions(cli)
    assert question["device_id"] == created["id"] and question["answer"] is None
    assert question["host_asset_id"] == alpha_device.host_asset_id and question["owner_instance"] == "alpha"
    assert question["owner_device_id"] == alpha_device.device_id
    ids = _ids(web_app)
    with tenant_db(web_app) as session:
        run = session.scalars(
            select(SyncRun)
            .where(SyncRun.integration_id == ids["beta"], SyncRun.kind == "full")
            .order_by(SyncRun.id.desc())
        ).first()
        assert run is not None and run.counts["asked"] == 1
        assert session.scalar(select(func.count()).select_from(AdoptionQuestion)) == 1

    admin.get(SETTINGS + f"?instance={ids['beta']}")
    page = page_text(admin.get(SYNC_PAGE))
    assert "Same machine? (1)" in page and alpha_device.name in page and "Link to that asset" in page
    assert "Keep separate: create its own asset" in page
    admin.get(SETTINGS + f"?instance={ids['alpha']}")
    assert "Same machine?" not in page_text(admin.get(SYNC_PAGE))  # alpha has nothing to answer


def test_linked_on_the_page_the_device_joins_that_asset_and_keeps_it_alive(
    web_app, cli, two_instances, admin
):
    created, alpha_device = same_serial_in_beta(web_app, two_instances["beta"])
    _sync(cli, "beta")
    assets = _asset_count(web_app)
    ids = _ids(web_app)
    admin.get(SETTINGS + f"?instance={ids['beta']}")
    beta_tab = page_text(admin.get(SYNC_PAGE))
    admin.get(SETTINGS + f"?instance={ids['alpha']}")  # another tab: the answer still goes to beta
    answered = admin.post(
        PREFIX + f"/sync/adoption/{created['id']}", data={"answer": "link", **bound_to(beta_tab)}
    )
    assert answered.status_code == 302 and any("joins that asset" in m for m in flashed(admin))
    _sync(cli, "beta")

    linked = _beta_device(web_app, created["id"])
    assert linked is not None and linked.host_asset_id == alpha_device.host_asset_id
    assert _asset_count(web_app) == assets
    assert _questions(cli) == [] and _questions(cli, "beta", "--all")[0]["answer"] == "link"

    # alpha's device goes: the asset stays active, beta's device still feeds it
    two_instances["alpha"].state.delete_device(alpha_device.device_id, unlogged=True)
    _sync(cli, "alpha")
    with tenant_db(web_app) as session:
        assert session.get(Asset, int(alpha_device.host_asset_id or 0)).status == "active"


def test_kept_separate_on_the_cli_the_device_gets_its_own_asset(web_app, cli, two_instances):
    created, alpha_device = same_serial_in_beta(web_app, two_instances["beta"])
    _sync(cli, "beta")
    assets = _asset_count(web_app)
    device = str(created["id"])
    result = ok(
        cli("adoption", "answer", "--tenant", "acme", "--instance", "beta", "--device", device, "separate")
    )
    assert "gets its own asset" in result.output
    _sync(cli, "beta")
    own = _beta_device(web_app, created["id"])
    assert own is not None and own.host_asset_id not in (None, alpha_device.host_asset_id)
    assert _asset_count(web_app) == assets + 1
    _sync(cli, "beta")  # the answer is kept: no new question
    assert _questions(cli) == []


def test_bad_answers_are_refused_and_change_nothing(web_app, cli, two_instances, admin):
    created, _ = same_serial_in_beta(web_app, two_instances["beta"])
    _sync(cli, "beta")
    device = str(created["id"])
    refused = [
        cli("adoption", "answer", "--tenant", "acme", "--instance", "beta", "--device", device, "maybe"),
        cli("adoption", "answer", "--tenant", "acme", "--instance", "beta", "--device", "abc", "link"),
        cli("adoption", "answer", "--tenant", "acme", "--instance", "beta", "--device", "987654", "link"),
        cli("adoption", "answer", "--tenant", "acme", "--instance", "alpha", "--device", "1", "link"),
        cli("adoption", "answer", "--tenant", "acme", "--device", device, "link"),  # which instance?
    ]
    assert all(result.exit_code != 0 for result in refused), [result.output for result in refused]
    assert "has no device 987654" in refused[2].output and "No adoption question" in refused[3].output
    ids = _ids(web_app)
    admin.get(SETTINGS + f"?instance={ids['beta']}")
    beta_tab = page_text(admin.get(SYNC_PAGE))
    url = PREFIX + f"/sync/adoption/{device}"
    admin.post(url, data={"answer": "maybe", **bound_to(beta_tab)})
    assert any("Answer link" in message for message in flashed(admin))
    assert (
        admin.post(
            PREFIX + "/sync/adoption/987654", data={"answer": "link", **bound_to(beta_tab)}
        ).status_code
        == 404
    )
    assert admin.post(url, data={"answer": "link"}).status_code == 400  # no instance, and acme has two
    foreign = admin.post(url, data={"answer": "link", "ninjaone_instance": "987654"})
    assert foreign.status_code == 400
    assert _questions(cli)[0]["answer"] is None and _beta_device(web_app, created["id"]) is None
