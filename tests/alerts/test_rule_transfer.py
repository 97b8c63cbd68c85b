"""Alert rules export/import as JSON: the page (download; upload → preview → confirm) and
``flask ninjaone rules export|import``. One validation path (the rule form's), all or nothing,
organizations and people by name."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from flask_ninjaone.alerts import rule_transfer
from flask_ninjaone.models import AlertRule, AuditEntry, Integration, OrganizationMapping
from flask_ninjaone.tenancy import tenant_scope
from sample_host.database import db
from sample_host.models import User
from tests.support.alert_pages import PREFIX, _login
from tests.support.alerts_world import World

OFFSET = 5000  # globex's NinjaOne numbers its organizations differently


def _user_id(world: World, name: str) -> str:
    with world.app.app_context():
        value = db.session.scalar(select(User.id).where(User.name == name))
        db.session.remove()
    return str(value)


def _org(world: World) -> tuple[int, str]:
    device = world.device(0)
    with world.scope() as session:
        name = session.scalar(
            select(OrganizationMapping.name).where(
                OrganizationMapping.organization_id == device.organization_id
            )
        )
    return device.organization_id, name


def _connect_globex(world: World) -> list[tuple[int, str]]:
    """globex gets an integration of its own whose organizations have acme's names but other ids."""
    with world.app.app_context(), tenant_scope(world.other_tenant_id):
        integration = Integration(
            tenant_id=world.other_tenant_id, public_id="globex-transfer", base_url="https://globex.invalid"
        )
        db.session.add(integration)
        db.session.flush()
        with tenant_scope(world.tenant_id):
            acme = [(m.organization_id, m.name) for m in db.session.scalars(select(OrganizationMapping))]
        for org_id, name in acme:
            db.session.add(
                OrganizationMapping(
                    tenant_id=world.other_tenant_id, integration_id=integration.id,
                    organization_id=org_id + OFFSET, name=name,
                )
            )  # fmt: skip
        db.session.commit()
        db.session.remove()
    return acme


def _rules(world: World, tenant_id: str) -> list[AlertRule]:
    with world.app.app_context(), tenant_scope(tenant_id):
        rows = list(db.session.scalars(select(AlertRule).order_by(AlertRule.position)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def _acme_rules(world: World) -> dict[str, Any]:
    org_id, _ = _org(world)
    tomas = _user_id(world, "Tomás Reyes")
    world.add_rule(
        "Critical servers",
        conditions={
            "severities": ["CRITICAL"], "organization_ids": [org_id], "device_classes": ["WINDOWS_SERVER"]
        },
        actions={"assignee_id": tomas, "notify_user_ids": [tomas], "priority": "urgent", "board": "NOC"},
    )  # fmt: skip
    world.add_rule("Everything else", catch_all=True, actions={"mode": "record_only"})
    return {"org_id": org_id, "tomas": tomas}


def _export(world: World, tenant: str = "acme") -> dict[str, Any]:
    result = world.app.test_cli_runner().invoke(args=["ninjaone", "rules", "export", "--tenant", tenant])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _import(world: World, path: Path, *args: str, tenant: str = "globex") -> Any:
    return world.app.test_cli_runner().invoke(
        args=["ninjaone", "rules", "import", "--tenant", tenant, str(path), *args]
    )


def test_round_trip_acme_to_globex_by_name(world: World, tmp_path: Path) -> None:
    ids = _acme_rules(world)
    _connect_globex(world)
    document = _export(world)
    assert [rule["name"] for rule in document["rules"]] == ["Critical servers", "Everything else"]
    first = document["rules"][0]
    assert "organization_ids" not in first["conditions"] and "assignee_id" not in first["actions"]
    assert first["actions"]["assignee"] == "Tomás Reyes"

    path = tmp_path / "rules.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    # globex has no Tomás Reyes: the whole file is refused, naming the rule and the field.
    refused = _import(world, path)
    assert refused.exit_code != 0
    assert "rule 1 “Critical servers”: actions.assignee: no user named “Tomás Reyes”" in refused.output
    assert _rules(world, world.other_tenant_id) == []

    globex_user = _user_id(world, "Ivy Novak")
    for rule in document["rules"]:
        if rule["actions"].get("assignee"):
            rule["actions"]["assignee"] = "Ivy Novak"
            rule["actions"]["notify"] = ["ivy novak"]  # names match case-insensitively
    path.write_text(json.dumps(document), encoding="utf-8")
    # The file names acme's instance, which globex does not have: --instance says where its rules go.
    assert first["instance"] is not None and document["rules"][1]["instance"] is None
    unnamed = _import(world, path)
    assert unnamed.exit_code != 0 and f"no NinjaOne instance named “{first['instance']}”" in unnamed.output
    dry = _import(world, path, "--dry-run", "--instance", "globex.invalid")
    assert dry.exit_code == 0, dry.output and "Would import 2 rule(s)" in dry.output
    assert _rules(world, world.other_tenant_id) == []
    done = _import(world, path, "--instance", "globex.invalid")
    assert done.exit_code == 0, done.output
    imported = _rules(world, world.other_tenant_id)
    assert [rule.name for rule in imported] == ["Critical servers", "Everything else"]
    assert imported[0].conditions["organization_ids"] == [ids["org_id"] + OFFSET]
    assert imported[0].actions["assignee_id"] == globex_user
    assert imported[0].actions["notify_user_ids"] == [globex_user]
    assert imported[1].catch_all and imported[1].actions["mode"] == "record_only"
    # acme is untouched
    assert [rule.name for rule in _rules(world, world.tenant_id)] == ["Critical servers", "Everything else"]


def test_export_to_a_file_and_replace(world: World, tmp_path: Path) -> None:
    _acme_rules(world)
    out = tmp_path / "acme.json"
    result = world.app.test_cli_runner().invoke(
        args=["ninjaone", "rules", "export", "--tenant", "acme", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    again = _import(world, out, tenant="acme")
    assert again.exit_code != 0 and "already exists" in again.output
    replaced = _import(world, out, "--replace", tenant="acme")
    assert replaced.exit_code == 0, replaced.output
    assert [rule.name for rule in _rules(world, world.tenant_id)] == ["Critical servers", "Everything else"]


def _file(rules: list[dict[str, Any]], **top: Any) -> str:
    return json.dumps({"format": rule_transfer.FORMAT, "version": 1, "rules": rules, **top})


def _when(**conditions: Any) -> str:
    return _file([{"name": "A", "conditions": conditions}])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "The file is not JSON"),
        ("[]", "must hold a JSON object"),
        (_file([], surprise=1), "file: surprise: Unknown field."),
        (_file([], version=3), "file: version: must be 1 or 2"),
        (_file([{"name": "A", "colour": "red"}]), "rule 1: colour: Unknown field."),
        (_when(sevrities=["MAJOR"]), "rule 1 “A”: conditions: sevrities: Unknown field."),
        (_when(severities=["HUGE"]), "rule 1 “A”: conditions: severities: Must be one of"),
        (_file([{"name": "A"}, {"name": "a"}]), "rule 2 “a”: name: the file already has a rule of this name"),
        (_when(organization_ids=[1]), "conditions.organization_ids: ids differ between tenants"),
        (_file([{"name": "A", "actions": {"assignee_id": "1"}}]), "actions.assignee_id: ids differ between"),
        (_when(organizations=["Nowhere Ltd"]), "no organization named “Nowhere Ltd”"),
        (_file([{"name": "Ok"}, {"name": "Bad", "actions": {"priority": "x"}}]), "rule 2 “Bad”: actions"),
        ("x" * (rule_transfer.MAX_FILE_BYTES + 1), "at most"),
    ],
)  # fmt: skip
def test_bad_files_change_nothing_and_say_why(world: World, tmp_path: Path, text: str, message: str) -> None:
    world.add_rule("Existing", catch_all=True)
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    result = _import(world, path, "--replace", tenant="acme")
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert [rule.name for rule in _rules(world, world.tenant_id)] == ["Existing"]


def test_the_page_downloads_previews_and_confirms(world: World) -> None:
    _acme_rules(world)
    client = _login(world.app, "admin@acme.test")
    assert "Export / import" in client.get(PREFIX + "/rules/").get_data(as_text=True)
    download = client.get(PREFIX + "/rules/transfer/export.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    document = json.loads(download.get_data(as_text=True))
    document["rules"] = [dict(rule, name=rule["name"] + " (copy)") for rule in document["rules"]]
    text = json.dumps(document)

    preview = client.post(
        PREFIX + "/rules/transfer/import",
        data={"file": (io.BytesIO(text.encode()), "rules.json"), "mode": "append"},
        content_type="multipart/form-data",
    )
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "data-import-preview" in body
    assert "Critical servers (copy)" in body and "Import 2 rule(s)" in body
    assert len(_rules(world, world.tenant_id)) == 2  # a preview writes nothing

    done = client.post(
        PREFIX + "/rules/transfer/import", data={"document": text, "mode": "append", "confirm": "1"}
    )
    assert done.status_code == 303
    assert len(_rules(world, world.tenant_id)) == 4
    with world.scope() as session:
        created = session.scalars(select(AuditEntry).where(AuditEntry.action == "alert_rule.created")).all()
        assert len(created) >= 4


def test_the_page_shows_errors_and_writes_nothing(world: World) -> None:
    world.add_rule("Existing", catch_all=True)
    client = _login(world.app, "admin@acme.test")
    bad = _file([{"name": "X", "conditions": {"device_classes": ["TOASTER"]}}])
    response = client.post(
        PREFIX + "/rules/transfer/import", data={"document": bad, "mode": "replace", "confirm": "1"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in body
    assert "rule 1 “X”: conditions: device_classes" in body
    too_big = client.post(
        PREFIX + "/rules/transfer/import",
        data={"file": (io.BytesIO(b" " * (rule_transfer.MAX_FILE_BYTES + 1)), "big.json"), "mode": "append"},
        content_type="multipart/form-data",
    )
    assert too_big.status_code == 400 and "at most" in too_big.get_data(as_text=True)
    assert [rule.name for rule in _rules(world, world.tenant_id)] == ["Existing"]


def test_viewer_and_technician_cannot_export_or_import(world: World) -> None:
    for email in ("viewer@acme.test", "tech@acme.test"):
        client = _login(world.app, email)
        assert client.get(PREFIX + "/rules/transfer/export.json").status_code == 403
        assert (
            client.post(
                PREFIX + "/rules/transfer/import", data={"document": _file([{"name": "X"}]), "confirm": "1"}
            ).status_code
            == 403
        )
    assert _rules(world, world.tenant_id) == []


def test_import_needs_a_csrf_token(make_world_app, world: World) -> None:
    app = make_world_app(WTF_CSRF_ENABLED=True)
    client = _login(app, "admin@acme.test")
    response = client.post(
        PREFIX + "/rules/transfer/import", data={"document": _file([{"name": "X"}]), "confirm": "1"}
    )
    assert response.status_code == 400
    assert _rules(world, world.tenant_id) == []
