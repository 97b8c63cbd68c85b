"""Alert rules per NinjaOne instance (issue 22), against two fakes whose organization and device ids
overlap: a rule scoped to one instance handles only that instance's alerts (the same ids in the other
are other machines), an all-instances rule handles both, the rule form offers only this tenant's
instances and the chosen one's organizations, and ``flask ninjaone rules export|import`` carries the
scope by instance name, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from flask_ninjaone.alerts import rule_store
from flask_ninjaone.models import AlertRule, OrganizationMapping, RuleTest
from flask_ninjaone.testing.fleets import Fleet
from tests.support.connection_flow import PREFIX, page_text, tenant_db
from tests.support.instance_alerts import globex_instance, instance_ids, shared_device, trigger_both
from tests.support.instance_cli import ok
from tests.support.rule_tests import run_rule_test

RULES = PREFIX + "/rules"
#: An organization alpha has and beta does not (both number theirs 1-3 with the same names).
ALPHA_ONLY = "Alpha Only Ltd"


@pytest.fixture
def ninjaone_fleet() -> Fleet:
    """alpha's fleet (``fake``) has one organization more than beta's: id 4, :data:`ALPHA_ONLY`."""
    return Fleet(synchronous_webhooks=True, organization_names=(ALPHA_ONLY,))


def _add_rule(app: Flask, name: str, integration_id: int | None, **conditions: Any) -> None:
    with tenant_db(app) as session:
        rule_store.create_rule(
            session, name=name, conditions=conditions, actions={}, integration_id=integration_id
        )


def _rules(app: Flask) -> list[tuple[str, int | None, list[int]]]:
    with tenant_db(app) as session:
        rows = session.scalars(select(AlertRule).order_by(AlertRule.position))
        return [
            (rule.name, rule.integration_id, rule.conditions.get("organization_ids", [])) for rule in rows
        ]


def test_a_rule_scoped_to_beta_opens_a_ticket_for_betas_alert_and_not_for_alphas(web_app, two_instances):
    """The rule names beta's organization of the device; alpha has an organization and a device under
    the very same ids, whose alert the rule must not handle."""
    ids = instance_ids(web_app)
    device_id, organization_id = shared_device(web_app, ids)
    _add_rule(web_app, "Beta's org", ids["beta"], organization_ids=[organization_id])
    alerts = trigger_both(web_app, two_instances, ids, device_id)
    assert alerts["alpha"].organization_id == organization_id  # the same ids: only the scope tells them apart
    assert alerts["beta"].ticket_id is not None and alerts["beta"].rule_id is not None
    assert alerts["alpha"].ticket_id is None and alerts["alpha"].rule_id is None


def test_an_all_instances_rule_fires_for_both(web_app, two_instances):
    ids = instance_ids(web_app)
    device_id, _ = shared_device(web_app, ids)
    _add_rule(web_app, "Every instance", None)
    alerts = trigger_both(web_app, two_instances, ids, device_id)
    assert all(alert.ticket_id is not None for alert in alerts.values())
    assert alerts["alpha"].ticket_id != alerts["beta"].ticket_id


def test_a_rule_naming_organizations_needs_its_instance_while_there_are_several(web_app, two_instances):
    ids = instance_ids(web_app)
    with tenant_db(web_app) as session:
        try:
            rule_store.create_rule(session, name="Orgs", conditions={"organization_ids": [1]}, actions={})
        except rule_store.RuleError as exc:
            assert "numbered per NinjaOne instance" in " ".join(rule_store.error_lines(exc))
        else:
            raise AssertionError("an all-instances rule naming organization ids was saved")
    assert _rules(web_app) == []
    _add_rule(web_app, "Orgs", ids["alpha"], organization_ids=[1])
    assert _rules(web_app) == [("Orgs", ids["alpha"], [1])]


def _form(name: str, integration_id: object, *organization_ids: int) -> dict[str, Any]:
    return {"name": name, "active": "y", "integration_id": str(integration_id),
            "organization_ids": [str(org) for org in organization_ids], "mode": "create_ticket",
            "priority": "", "assignee_id": "", "reopen_window_hours": "0", "flap_cycles": "3",
            "flap_minutes": "60"}  # fmt: skip


def test_the_form_offers_the_chosen_instances_organizations_and_refuses_another_tenants(
    web_app, two_instances, admin
):
    ids = instance_ids(web_app)
    for_beta = page_text(admin.get(f"{RULES}/new?instance={ids['beta']}"))
    assert ">alpha<" in for_beta and ">beta<" in for_beta and "All instances" in for_beta
    assert "(#1)" in for_beta and ALPHA_ONLY not in for_beta
    assert f"{ALPHA_ONLY} (#4)" in page_text(admin.get(f"{RULES}/new?instance={ids['alpha']}"))
    # Several instances and none chosen: no organization is offered (whose would they be?).
    assert "(#1)" not in page_text(admin.get(f"{RULES}/new"))
    # "Show this instance's organizations" swaps them without saving anything.
    picked = admin.post(f"{RULES}/new", data={**_form("Draft", ids["alpha"]), "pick_instance": "1"})
    assert picked.status_code == 200 and f"{ALPHA_ONLY} (#4)" in page_text(picked)
    assert _rules(web_app) == []

    globex = globex_instance(web_app)
    refused = admin.post(f"{RULES}/new", data=_form("Foreign", globex, 1))
    assert refused.status_code == 400 and "Not a valid choice" in page_text(refused)
    unscoped = admin.post(f"{RULES}/new", data=_form("Unscoped", "", 1))
    assert unscoped.status_code == 400  # organizations are offered only with an instance chosen
    assert _rules(web_app) == []

    refused = admin.post(f"{RULES}/new", data=_form("Beta", ids["beta"], 4))  # alpha's organization
    assert refused.status_code == 400
    assert _rules(web_app) == []
    saved = admin.post(f"{RULES}/new", data=_form("Alpha", ids["alpha"], 4))
    assert saved.status_code == 302, page_text(saved)
    assert _rules(web_app) == [("Alpha", ids["alpha"], [4])]
    listing = page_text(admin.get(f"{RULES}/"))
    assert "instance: alpha" in listing and f"organization: {ALPHA_ONLY}" in listing


def _export(cli, path: Path, *extra: str) -> dict[str, Any]:
    ok(cli("rules", "export", "--tenant", "acme", "--output", str(path), *extra))
    return json.loads(path.read_text(encoding="utf-8"))


def test_export_import_round_trip_keeps_the_scope_by_instance_name(web_app, cli, two_instances, tmp_path):
    ids = instance_ids(web_app)
    _, organization_id = shared_device(web_app, ids)
    _add_rule(web_app, "Beta's org", ids["beta"], organization_ids=[organization_id])
    _add_rule(web_app, "Alpha only", ids["alpha"])
    _add_rule(web_app, "Everywhere", None)
    before = _rules(web_app)
    document = _export(cli, tmp_path / "rules.json")
    assert [rule["instance"] for rule in document["rules"]] == ["beta", "alpha", None]
    with tenant_db(web_app) as session:
        beta_org = session.scalar(select(OrganizationMapping.name).where(
            OrganizationMapping.integration_id == ids["beta"],
            OrganizationMapping.organization_id == organization_id))  # fmt: skip
    assert document["rules"][0]["conditions"]["organizations"] == [beta_org]
    ok(cli("rules", "import", "--tenant", "acme", "--replace", str(tmp_path / "rules.json")))
    assert _rules(web_app) == before
    # --instance exports the rules that handle that instance's alerts: its own and the all-instances one.
    for name, expected in (("beta", ["Beta's org", "Everywhere"]), ("alpha", ["Alpha only", "Everywhere"])):
        only = _export(cli, tmp_path / f"{name}.json", "--instance", name)
        assert [rule["name"] for rule in only["rules"]] == expected
    unknown = cli("rules", "export", "--tenant", "acme", "--instance", "gamma")
    assert unknown.exit_code != 0 and "No NinjaOne instance 'gamma'" in unknown.output


def test_import_with_an_unknown_instance_name_changes_nothing(web_app, cli, two_instances, tmp_path):
    ids = instance_ids(web_app)
    _add_rule(web_app, "Existing", ids["alpha"])
    document = _export(cli, tmp_path / "rules.json")
    document["rules"].append({"name": "New", "instance": "gamma", "conditions": {}, "actions": {}})
    document["rules"][0]["name"] = "Renamed"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    for mode in ("--replace", "--append"):
        refused = cli("rules", "import", "--tenant", "acme", mode, str(path))
        assert refused.exit_code != 0
        assert (
            "nothing was imported" in refused.output
            and "no NinjaOne instance named “gamma”" in refused.output
        )
        assert _rules(web_app) == [("Existing", ids["alpha"], [])]
    wrong = cli("rules", "import", "--tenant", "acme", "--instance", "gamma", str(path))
    assert wrong.exit_code != 0 and "No NinjaOne instance 'gamma'" in wrong.output
    assert _rules(web_app) == [("Existing", ids["alpha"], [])]


def test_import_instance_option_puts_the_scoped_rules_on_the_named_instance(
    web_app, cli, two_instances, tmp_path
):
    ids = instance_ids(web_app)
    with tenant_db(web_app) as session:
        shared = {
            name: {m.name: m.organization_id for m in session.scalars(
                select(OrganizationMapping).where(OrganizationMapping.integration_id == id_))}
            for name, id_ in ids.items()
        }  # fmt: skip
    organization = sorted(shared["alpha"])[0]
    rules = [
        {"name": "From elsewhere", "instance": "eu-old", "conditions": {"organizations": [organization]}},
        {"name": "Everywhere", "instance": None, "conditions": {}},
    ]
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "flask-ninjaone/alert-rules", "version": 2, "rules": rules}))
    ok(cli("rules", "import", "--tenant", "acme", "--instance", "alpha", str(path)))
    assert _rules(web_app) == [
        ("From elsewhere", ids["alpha"], [shared["alpha"][organization]]),
        ("Everywhere", None, []),
    ]


def test_testing_a_scoped_rule_reads_its_instances_alerts_only(web_app, two_instances, admin):
    ids = instance_ids(web_app)
    device_id, _ = shared_device(web_app, ids)
    alerts = trigger_both(web_app, two_instances, ids, device_id)
    _add_rule(web_app, "Beta only", ids["beta"])
    with tenant_db(web_app) as session:
        rule_id = session.scalars(select(AlertRule.id)).one()
    run_rule_test(admin, web_app, rule_id)
    with tenant_db(web_app) as session:
        test = session.scalars(select(RuleTest)).one()
        assert test.state == "succeeded" and test.expected == 1
        assert [row["alert"]["series_uid"] for row in test.results] == [alerts["beta"].series_uid]
        assert [row["handles"] for row in test.results] == [True]


def test_the_import_page_puts_the_files_scoped_rules_on_the_chosen_instance(web_app, two_instances, admin):
    ids = instance_ids(web_app)
    rules = [
        {"name": "From elsewhere", "instance": "eu-old", "conditions": {"organizations": [ALPHA_ONLY]}},
        {"name": "Everywhere", "instance": None, "conditions": {}},
    ]
    text = json.dumps({"format": "flask-ninjaone/alert-rules", "version": 2, "rules": rules})
    page = page_text(admin.get(f"{RULES}/transfer/"))
    assert "The instances the file names" in page and ">alpha<" in page and ">beta<" in page

    unnamed = admin.post(
        f"{RULES}/transfer/import", data={"document": text, "mode": "append", "confirm": "1"}
    )
    assert unnamed.status_code == 400 and "no NinjaOne instance named “eu-old”" in page_text(unnamed)
    on_beta = {"document": text, "mode": "append", "confirm": "1", "instance": str(ids["beta"])}
    refused = admin.post(f"{RULES}/transfer/import", data=on_beta)  # beta has no ALPHA_ONLY
    assert refused.status_code == 400 and f"no organization named “{ALPHA_ONLY}”" in page_text(refused)
    foreign = {**on_beta, "instance": str(globex_instance(web_app))}
    assert admin.post(f"{RULES}/transfer/import", data=foreign).status_code == 400
    assert _rules(web_app) == []

    done = admin.post(f"{RULES}/transfer/import", data={**on_beta, "instance": str(ids["alpha"])})
    assert done.status_code == 303, page_text(done)
    assert _rules(web_app) == [("From elsewhere", ids["alpha"], [4]), ("Everywhere", None, [])]
