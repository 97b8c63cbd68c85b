"""The fleet views across a tenant's NinjaOne instances (issue 22): the alerts panel, compliance,
software search, billing and the dashboard widget read every instance by default and one with
``instance=<id>``; each row says which instance it is from; a bad filter is refused; an action on an
alert acts on the alert of its own instance only (the two fakes number their devices alike, and the
alerts here share their series uid too). A tenant with one instance sees no instance column or filter.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from flask_ninjaone.connection.health import overview
from flask_ninjaone.inventory import billing, warranties
from flask_ninjaone.inventory.compliance import dashboard
from flask_ninjaone.inventory.search import (
    PAGE_SIZE,
    SoftwareQuery,
    iter_fleet_software,
    iter_software,
    search_fleet_software,
)
from flask_ninjaone.inventory.versions import VersionFilter
from flask_ninjaone.models import Alert, Device, Integration, OrganizationMapping, Software
from flask_ninjaone.models.base import utcnow
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne
from flask_ninjaone.webhooks import processing
from tests.support.connection_flow import DEMO_ID, DEMO_SECRET, PREFIX, page_text, tenant_db
from tests.support.instance_cli import Cli, connect, ok
from tests.support.webhook_deliveries import post

#: A figure of one instance (devices counted, billed …), read in a tenant-bound session.
Figure = Callable[[Session, Integration], int]
#: The series uid both instances' alerts carry: what NinjaOne calls the alert id.
SHARED_UID = "5c1e0000-0000-4000-8000-000000000022"
PAGES = {
    "alerts": PREFIX + "/alerts/",
    "compliance": PREFIX + "/compliance/",
    "compliance CSV": PREFIX + "/compliance/export.csv",
    "software": PREFIX + "/compliance/software?name=a",
    "software CSV": PREFIX + "/compliance/software.csv?name=a",
    "billing": PREFIX + "/reports/billing",
    "billing CSV": PREFIX + "/reports/billing.csv",
    "warranties": PREFIX + "/reports/warranties?days=3650",
    "warranties CSV": PREFIX + "/reports/warranties.csv?days=3650",
}


def _instances(app: Flask) -> dict[str, Integration]:
    with tenant_db(app) as session:
        rows = {row.name: row for row in session.scalars(select(Integration))}
        session.expunge_all()
    return rows


def _with(url: str, **args: object) -> str:
    return url + ("&" if "?" in url else "?") + "&".join(f"{key}={value}" for key, value in args.items())


def _csv(client: FlaskClient, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, page_text(response)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _row_instances(page: str) -> list[str]:
    """The ``data-integration`` of each row of the page's table, in order."""
    return re.findall(r'<tr [^>]*data-integration="(\d+)"', page)


@pytest.fixture
def shared_alerts(web_app: Flask, two_instances: dict[str, FakeNinjaOne]) -> dict[str, int]:
    """One alert in each instance on the same device id with the same series uid, delivered to each
    instance's webhook receiver; returns each instance's alert row id."""
    rows = _instances(web_app)
    client = web_app.test_client()
    for name, fake in two_instances.items():
        activity = fake.state.trigger_condition(1, series_uid=SHARED_UID, severity="MAJOR")["activities"][0]
        receiver = f"/webhooks/ninjaone/{rows[name].public_id}"
        assert post(client, receiver, activity, secret=rows[name].webhook_secret).status_code < 300
    with tenant_db(web_app) as session:
        processing.drain(session)
        alerts = {row.integration_id: row.id for row in session.scalars(select(Alert))}
    assert set(alerts) == {rows["alpha"].id, rows["beta"].id}
    return {name: alerts[row.id] for name, row in rows.items()}


# -- the alerts panel ------------------------------------------------------------------------------------


def test_the_alerts_panel_lists_both_instances_alerts_and_the_filter_narrows_to_one(
    web_app, shared_alerts, admin
):
    rows = _instances(web_app)
    page = page_text(admin.get(PREFIX + "/alerts/"))
    assert 'name="instance"' in page and "All instances" in page
    # The same NinjaOne alert id twice, told apart by the instance each row says it is from.
    assert sorted(_row_instances(page)) == sorted([str(rows["alpha"].id), str(rows["beta"].id)])
    assert re.search(rf'data-instance="{rows["alpha"].id}">alpha<', page)
    assert re.search(rf'data-instance="{rows["beta"].id}">beta<', page)
    for name, row in rows.items():
        narrowed = page_text(admin.get(PREFIX + f"/alerts/?instance={row.id}&status=all"))
        assert _row_instances(narrowed) == [str(row.id)], name
        assert f'value="{row.id}" selected' in narrowed
    detail = page_text(admin.get(PREFIX + f"/alerts/{shared_alerts['beta']}"))
    assert "<dt>Instance</dt>" in detail and ">beta</dd>" in detail
    assert f'href="{rows["beta"].base_url}/' in detail  # "open in NinjaOne": beta's own NinjaOne
    assert f'href="{rows["alpha"].base_url}/' not in detail
    # A client's alerts are those of the organizations mapped to it in the alert's own instance.
    with tenant_db(web_app) as session:
        client_of = {
            row.integration_id: session.scalar(
                select(OrganizationMapping.host_client_id).where(
                    OrganizationMapping.integration_id == row.integration_id,
                    OrganizationMapping.organization_id == row.organization_id,
                )
            )
            for row in session.scalars(select(Alert))
        }
    for client_id in set(client_of.values()):
        listed = _row_instances(page_text(admin.get(PREFIX + f"/alerts/?client={client_id}")))
        assert sorted(listed) == sorted(str(i) for i, owner in client_of.items() if owner == client_id)


def test_acting_on_betas_alert_leaves_alphas_alert_of_the_same_id_alone(
    web_app, two_instances, shared_alerts, login
):
    rows = _instances(web_app)
    alpha_fake, beta_fake = two_instances["alpha"], two_instances["beta"]
    tech = login("technician")
    beta_alert, alpha_alert = shared_alerts["beta"], shared_alerts["alpha"]

    def statuses() -> dict[str, str]:
        with tenant_db(web_app) as session:
            return {name: session.get(Alert, alert_id).status for name, alert_id in shared_alerts.items()}

    # The form must name the alert's own instance: missing, not an id, or the other instance's id.
    assert tech.post(PREFIX + f"/alerts/{beta_alert}/acknowledge").status_code == 400
    assert (
        tech.post(PREFIX + f"/alerts/{beta_alert}/acknowledge", data={"integration": "x"}).status_code == 400
    )
    wrong = tech.post(PREFIX + f"/alerts/{beta_alert}/acknowledge", data={"integration": rows["alpha"].id})
    assert wrong.status_code == 404
    assert statuses() == {"alpha": "active", "beta": "active"}

    mine = {"integration": rows["beta"].id}
    assert tech.post(PREFIX + f"/alerts/{beta_alert}/acknowledge", data=mine).status_code == 302
    assert statuses() == {"alpha": "active", "beta": "acknowledged"}

    alpha_fake.state.reset_counters()
    beta_fake.state.reset_counters()
    resolved = tech.post(PREFIX + f"/alerts/{beta_alert}/resolve", data={"reset_in_ninjaone": "y", **mine})
    assert resolved.status_code == 302
    assert statuses() == {"alpha": "active", "beta": "resolved"}
    resets = "POST /v2/alert/{uid}/reset"
    assert beta_fake.state.request_counts().get(resets) == 1
    assert resets not in alpha_fake.state.request_counts()
    assert SHARED_UID in {alert["uid"] for alert in alpha_fake.state.alerts()}
    assert SHARED_UID not in {alert["uid"] for alert in beta_fake.state.alerts()}
    # The panel's forms post each row's own instance.
    page = page_text(tech.get(PREFIX + "/alerts/"))
    form = re.search(rf'action="{PREFIX}/alerts/{alpha_alert}/acknowledge".*?</form>', page, re.S)
    assert form and f'name="integration" value="{rows["alpha"].id}"' in form.group(0)


# -- refused filters ---------------------------------------------------------------------------------------


def test_a_bad_instance_filter_is_refused_on_every_view_and_never_shows_another_tenants_rows(
    web_app, cli: Cli, fake, two_instances, shared_alerts, admin
):
    ok(cli("connect", "--tenant", "globex", "--client-id", DEMO_ID, "--client-secret", DEMO_SECRET,
           "--base-url", fake.url))  # fmt: skip
    with tenant_db(web_app, "globex") as session:
        globex_instance = session.scalars(select(Integration.id)).one()
    for name, url in PAGES.items():
        for bad in ("abc", "1e3", "-1", "99999", str(globex_instance)):
            response = admin.get(_with(url, instance=bad))
            assert response.status_code == 400, (name, bad, response.status_code)
            assert "instance" in page_text(response), (name, bad)
    assert admin.get(PREFIX + "/alerts/?instance=").status_code == 200  # empty: all instances


# -- compliance, billing, software, widget: all vs one ----------------------------------------------------


def _fleets_of_different_sizes(app: Flask, cli: Cli, beta: FakeNinjaOne, figure: Figure) -> dict[str, int]:
    """Drop one of beta's devices (so a sum is told from either instance's figure), then ``figure`` of
    each instance alone, by name."""
    beta.state.delete_device(beta.state.devices_page(None, 1)[0]["id"], unlogged=True)
    ok(cli("sync", "--tenant", "acme", "--instance", "beta", "--full", "--wait"))
    with tenant_db(app) as session:
        alone = {row.name: figure(session, row) for row in session.scalars(select(Integration))}
    assert alone["alpha"] == alone["beta"] + 1
    return alone


def test_the_compliance_figures_are_the_sum_for_all_instances_and_one_instances_with_the_filter(
    web_app, cli, two_instances, admin
):
    alone = _fleets_of_different_sizes(
        web_app, cli, two_instances["beta"], lambda _, row: dashboard(integrations=[row]).fleet.devices
    )
    rows = _instances(web_app)
    with tenant_db(web_app):
        assert dashboard().fleet.devices == alone["alpha"] + alone["beta"]

    everything = _csv(admin, PREFIX + "/compliance/export.csv")
    assert everything[-1]["Instance"] == "All instances" and everything[-1]["Client"] == "All clients"
    assert int(everything[-1]["Devices"]) == alone["alpha"] + alone["beta"]
    per_instance = Counter()
    for line in everything[:-1]:
        per_instance[line["Instance"]] += int(line["Devices"])
    assert per_instance == alone
    for name, row in rows.items():
        one = _csv(admin, PREFIX + f"/compliance/export.csv?instance={row.id}")
        assert {line["Instance"] for line in one[:-1]} == {name} and one[-1]["Instance"] == name
        assert int(one[-1]["Devices"]) == alone[name]
        page = page_text(admin.get(PREFIX + f"/compliance/?instance={row.id}"))
        assert set(_row_instances(page)) == {str(row.id)}
        assert f"export.csv?instance={row.id}" in page
    page = page_text(admin.get(PREFIX + "/compliance/"))
    assert set(_row_instances(page)) == {str(row.id) for row in rows.values()} and "All instances" in page


def test_the_billing_counts_are_the_sum_for_all_instances_and_one_instances_with_the_filter(
    web_app, cli, two_instances, admin
):
    alone = _fleets_of_different_sizes(
        web_app,
        cli,
        two_instances["beta"],
        lambda session, row: sum(billing.live_counts(session, row).values()),
    )
    rows = _instances(web_app)

    everything = _csv(admin, PREFIX + "/reports/billing.csv")
    assert sum(int(line["Devices"]) for line in everything) == alone["alpha"] + alone["beta"]
    counted = Counter()
    for line in everything:
        counted[line["Instance"]] += int(line["Devices"])
    assert counted == alone
    for name, row in rows.items():
        one = _csv(admin, PREFIX + f"/reports/billing.csv?instance={row.id}")
        assert {line["Instance"] for line in one} == {name}
        assert sum(int(line["Devices"]) for line in one) == alone[name]
    page = page_text(admin.get(PREFIX + "/reports/billing"))
    assert set(_row_instances(page)) == {str(row.id) for row in rows.values()}
    totals = re.findall(r'data-label="Total">All</td><td></td>\s*<td data-label="Devices">(\d+)</td>', page)
    assert sum(int(total) for total in totals) == alone["alpha"] + alone["beta"]


def test_an_ended_month_one_instance_never_kept_is_named_on_the_billing_page(web_app, two_instances, admin):
    rows = _instances(web_app)
    month = billing.previous_month(billing.month_of(utcnow()))
    with tenant_db(web_app) as session:
        assert billing.take_snapshot(session, session.get(Integration, rows["alpha"].id), month) > 0

    page = page_text(admin.get(PREFIX + f"/reports/billing?month={month}"))
    notice = re.search(r"<p [^>]*data-billing-missing>(.*?)</p>", page, re.S)
    assert notice is not None, "beta's lines are missing from the all-instances view: the page must say so"
    assert "<strong>beta</strong>" in notice.group(1) and "alpha" not in notice.group(1)
    assert set(_row_instances(page)) == {str(rows["alpha"].id)}
    alpha_only = page_text(admin.get(PREFIX + f"/reports/billing?month={month}&instance={rows['alpha'].id}"))
    assert "data-billing-missing" not in alpha_only  # the view asked for alpha alone: nothing is left out

    with tenant_db(web_app) as session:
        assert billing.take_snapshot(session, session.get(Integration, rows["beta"].id), month) > 0
    page = page_text(admin.get(PREFIX + f"/reports/billing?month={month}"))
    assert "data-billing-missing" not in page
    assert set(_row_instances(page)) == {str(row.id) for row in rows.values()}


def test_the_warranties_list_shows_every_instances_devices_and_the_filter_narrows_to_one(
    web_app, two_instances, admin
):
    rows = _instances(web_app)
    with tenant_db(web_app) as session:
        alone = {
            name: Counter((line.device_id, line.end.date().isoformat()) for line in warranties.ending_within(
                session, [row], 3650
            ))
            for name, row in rows.items()
        }  # fmt: skip
    assert all(alone.values())
    shared = {device for device, _ in alone["alpha"]} & {device for device, _ in alone["beta"]}
    assert shared, "the fakes share device ids: each instance lists its own"

    def listed(lines: list[dict[str, str]]) -> dict[str, Counter[tuple[int, str]]]:
        found: dict[str, Counter[tuple[int, str]]] = {}
        for line in lines:
            found.setdefault(line["Instance"], Counter())[(int(line["NinjaOne id"]), line["End"])] += 1
        return found

    everything = _csv(admin, PREFIX + "/reports/warranties.csv?days=3650")
    assert listed(everything) == alone
    assert [line["End"] for line in everything] == sorted(line["End"] for line in everything)
    page = page_text(admin.get(PREFIX + "/reports/warranties?days=3650"))
    assert Counter(_row_instances(page)) == Counter(
        {str(row.id): sum(alone[name].values()) for name, row in rows.items()}
    )
    assert "<th>Instance</th>" in page and 'name="instance"' in page
    for name, row in rows.items():
        assert listed(_csv(admin, PREFIX + f"/reports/warranties.csv?days=3650&instance={row.id}")) == {
            name: alone[name]
        }
        page = page_text(admin.get(PREFIX + f"/reports/warranties?days=3650&instance={row.id}"))
        assert set(_row_instances(page)) == {str(row.id)}
        assert f"instance={row.id}" in page  # the CSV link follows the filter


@pytest.fixture
def inventories(cli: Cli, two_instances: dict[str, FakeNinjaOne]) -> None:
    for name in two_instances:
        ok(cli("inventory", "--tenant", "acme", "--instance", name))


def _common_name(app: Flask) -> str:
    """A software name both instances have installed, on several devices."""
    rows = _instances(app)
    with tenant_db(app) as session:
        names = [
            set(session.scalars(select(Software.name_key).where(Software.integration_id == row.id)))
            for row in rows.values()
        ]
    shared = sorted(names[0] & names[1])
    assert shared, "the two fleets share no software name"
    return shared[0]


def test_software_search_finds_both_instances_installs_and_the_filter_narrows_to_one(
    web_app, inventories, admin
):
    rows = _instances(web_app)
    term = _common_name(web_app)
    with tenant_db(web_app) as session:
        integrations = [session.get(Integration, row.id) for row in rows.values()]
        # Counted and paged by SQL, then paged in Python (a version filter): both merge the same way.
        client_id = session.scalars(select(OrganizationMapping.host_client_id)).first()
        queries = (
            SoftwareQuery(name="o"),
            SoftwareQuery(name="o", version=VersionFilter.parse(">= 1")),
            SoftwareQuery(name="o", client_id=client_id),  # one client's few matches: sorted, not walked
        )
        for query in queries:
            each = [list(iter_software(row, query)) for row in integrations]
            merged = list(iter_fleet_software(integrations, query))
            assert Counter(merged) == Counter(each[0] + each[1])
            assert {hit.integration_id for hit in merged} == {row.id for row in integrations}
            assert len(merged) > 2 * PAGE_SIZE, "too few matches to page through"
            paged, number = [], 1
            while True:
                result = search_fleet_software(integrations, query, number)
                paged += result.hits
                if not result.has_next:
                    break
                number += 1
            assert paged == merged  # the pages are the stream, in order, nothing twice or missed
        everything = list(iter_fleet_software(integrations, SoftwareQuery(name="o")))
        first = search_fleet_software(integrations, SoftwareQuery(name="o"))
        assert first.total == len(everything)  # a device id in both instances counts twice: two machines
        assert first.devices == len({(hit.integration_id, hit.device_id) for hit in everything})

    page = page_text(admin.get(PREFIX + f"/compliance/software?name={term}&match=exact"))
    assert set(_row_instances(page)) == {str(row.id) for row in rows.values()}
    exported = _csv(admin, PREFIX + f"/compliance/software.csv?name={term}&match=exact")
    assert {line["Instance"] for line in exported} == set(rows)
    for name, row in rows.items():
        one = page_text(admin.get(PREFIX + f"/compliance/software?name={term}&match=exact&instance={row.id}"))
        assert set(_row_instances(one)) == {str(row.id)}
        assert re.search(rf'href="[^"]*/software\.csv\?[^"]*instance={row.id}"', one)  # the export keeps it
        lines = _csv(admin, PREFIX + f"/compliance/software.csv?name={term}&match=exact&instance={row.id}")
        assert {line["Instance"] for line in lines} == {name}


def test_the_dashboard_widget_counts_every_instance(web_app, cli, two_instances):
    def live_devices(session: Session, row: Integration) -> int:
        query = select(Device.id).where(Device.integration_id == row.id, Device.retired.is_(False))
        return len(session.scalars(query).all())

    alone = _fleets_of_different_sizes(web_app, cli, two_instances["beta"], live_devices)
    with tenant_db(web_app) as session:
        assert overview(session).devices == alone["alpha"] + alone["beta"]


# -- one instance: no clutter ------------------------------------------------------------------------------


def test_a_tenant_with_one_instance_sees_no_instance_column_or_filter(web_app, cli, fake, admin):
    ok(connect(cli, fake.url, "--name", "alpha"))
    ok(cli("map", "--tenant", "acme", "--all", "--create-missing-clients"))
    ok(cli("sync", "--tenant", "acme", "--full", "--wait"))
    for name, url in PAGES.items():
        response = admin.get(url)
        assert response.status_code == 200, (name, response.status_code)
        text = page_text(response)
        if url.endswith(".csv") or ".csv?" in url:
            assert not text.startswith("Instance,"), name
        else:
            assert 'name="instance"' not in text and "<th>Instance</th>" not in text, name
            assert 'data-label="Instance"' not in text, name
