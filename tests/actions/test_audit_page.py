"""The device-actions audit page and its CSV: filters, pagination, order, permission, tenant scope,
bad filter values (400, no rows) and CSV formula neutralization; and the CLI's filters."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flask_ninjaone.actions.audit import PAGE_SIZE
from flask_ninjaone.models import DeviceAction, Integration
from flask_ninjaone.tenancy import tenant_scope
from flask_ninjaone.testing.connect import connect_tenant
from sample_host.database import db
from tests.support.inventory import URL

AUDIT = f"{URL}/actions/audit/"
EXPORT = f"{URL}/actions/audit/export.csv"
DAY = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def add_action(tenant_id: str, integration_id: int, number: int, **fields) -> None:
    values = {
        "integration_id": integration_id,
        "action_key": f"seed-{number}",
        "device_id": 1000 + number,
        "device_name": f"PC-{number:03}",
        "host_asset_id": None,
        "kind": "reboot",
        "parameters": {"mode": "NORMAL"},
        "state": "confirmed",
        "result": "Rebooted; back online.",
        "requested_by_id": "7",
        "requested_by_name": "Ada Lovelace",
        "requested_at": DAY + timedelta(minutes=number),
        "api_calls": 1,
    } | fields
    with tenant_scope(tenant_id):
        db.session.add(DeviceAction(**values))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def seeded(acme):
    """Four actions of acme: two reboots by Ada, a failed script by Bob from a ticket, a maintenance
    window from the CLI a day later."""
    seed = (acme.tenant.id, acme.integration_id)
    add_action(*seed, 1)
    add_action(*seed, 2, device_name='=HYPERLINK("http://evil")', result="+SUM(A1)")
    add_action(*seed, 3, kind="script", state="failed", requested_by_id="8", requested_by_name="Bob Byte",
               parameters={"type": "SCRIPT", "id": 4, "name": "Clear spooler", "parameters": "-Force",
                           "run_as": "SYSTEM"},
               result="Finished with exit code 1.", ticket_id="42", api_calls=2)  # fmt: skip
    add_action(*seed, 4, kind="maintenance_start", state="sent", requested_by_id=None, requested_by_name=None,
               parameters={"end": "2026-11-04T12:00Z", "features": ["ALERTS"]},
               requested_at=DAY + timedelta(days=1), device_id=5555, device_name="SRV-DB")  # fmt: skip
    return acme


def rows(page: str) -> int:
    return page.count("<tr data-action-state=")


def csv_table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_lists_every_action_newest_first_with_who_what_and_calls(seeded, app):
    client = seeded.login(app.test_client(), "tech@acme.test")
    response = client.get(AUDIT)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert rows(page) == 4 and "4 actions." in page
    order = [page.index(name) for name in ("SRV-DB", "Clear spooler", "HYPERLINK", "PC-001")]
    assert order == sorted(order)
    assert "Operator (command line)" in page and "Bob Byte" in page
    assert "&#34;parameters&#34;: &#34;-Force&#34;" in page  # the parameters, escaped
    assert "Maintenance mode until 2026-11-04T12:00Z" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "failed"}, ["Clear spooler"]),
        ({"kind": "maintenance_start"}, ["SRV-DB"]),
        ({"technician": "8"}, ["Clear spooler"]),
        ({"technician": "operator"}, ["SRV-DB"]),
        ({"q": "pc-001"}, ["PC-001"]),
        ({"q": "5555"}, ["SRV-DB"]),
        ({"q": "100%"}, []),  # a LIKE wildcard is text, not a pattern
        ({"from": "2026-11-03"}, ["SRV-DB"]),
        ({"to": "2026-11-02"}, ["PC-001", "Clear spooler", "HYPERLINK"]),
        ({"from": "2026-11-02", "to": "2026-11-02", "technician": "7"}, ["PC-001", "HYPERLINK"]),
    ],
)
def test_filters(seeded, app, query, expected):
    client = seeded.login(app.test_client(), "tech@acme.test")
    page = client.get(AUDIT, query_string=query).get_data(as_text=True)
    assert rows(page) == len(expected)
    for name in expected:
        assert name in page
    exported = csv_table(client.get(EXPORT, query_string=query))
    assert len(exported) == len(expected) + 1  # the CSV is the same filtered set


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2026-13-01"}, "The &#39;from&#39; date &#39;2026-13-01&#39; is not a date"),
        ({"to": "yesterday"}, "is not a date"),
        ({"from": "2026-11-03", "to": "2026-11-01"}, "ends before it starts"),
        ({"state": "done"}, "Unknown state &#39;done&#39;: expected one of queued, sent, confirmed, failed."),
        ({"kind": "format_disk"}, "Unknown kind"),
        ({"q": "x" * 101}, "too long"),
        ({"q": "a\x00b"}, "not printable"),
        ({"page": "0"}, "The page must be a number"),
        ({"page": "abc"}, "The page must be a number"),
    ],
)
def test_bad_filter_values_are_a_clear_error_and_show_nothing(seeded, app, query, message):
    client = seeded.login(app.test_client(), "tech@acme.test")
    response = client.get(AUDIT, query_string=query)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and "data-filter-error" in page
    assert rows(page) == 0 and "PC-001" not in page
    if "page" not in query:
        assert client.get(EXPORT, query_string=query).status_code == 400


def test_a_bad_value_is_escaped_on_the_page(seeded, app):
    client = seeded.login(app.test_client(), "tech@acme.test")
    page = client.get(AUDIT, query_string={"state": "<b>x</b>"}).get_data(as_text=True)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_pages_of_fifty_keep_the_filters(acme, app):
    for number in range(PAGE_SIZE + 3):
        add_action(acme.tenant.id, acme.integration_id, number)
    client = acme.login(app.test_client(), "admin@acme.test")
    first = client.get(AUDIT, query_string={"state": "confirmed"}).get_data(as_text=True)
    assert rows(first) == PAGE_SIZE and "Page 1 of 2" in first
    assert "page=2" in first and "state=confirmed" in first
    second = client.get(AUDIT, query_string={"state": "confirmed", "page": "2"}).get_data(as_text=True)
    assert rows(second) == 3 and "PC-000" in second and "PC-052" not in second


def test_csv_neutralizes_formulas_and_holds_no_secret(seeded, app):
    client = seeded.login(app.test_client(), "tech@acme.test")
    response = client.get(EXPORT)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ninjaone-actions-')
    table = csv_table(response)
    assert table[0][:3] == ["Requested at", "Requested by", "Device"]
    assert [row[2] for row in table[1:]] == ["SRV-DB", "PC-003", '\'=HYPERLINK("http://evil")', "PC-001"]
    hyperlink = table[3]
    assert hyperlink[8] == "'+SUM(A1)"
    script = table[2]
    assert json.loads(script[6])["parameters"] == "-Force" and script[13] == "42" and script[9] == "2"
    assert table[1][1] == "Operator (command line)"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)


@pytest.mark.parametrize(("email", "status"), [("viewer@acme.test", 403), ("tech@acme.test", 200),
                                                ("admin@acme.test", 200)])  # fmt: skip
def test_technicians_and_admins_may_open_it_viewers_may_not(seeded, app, email, status):
    client = seeded.login(app.test_client(), email)
    assert client.get(AUDIT).status_code == status
    assert client.get(EXPORT).status_code == status


def test_another_tenants_actions_are_never_listed_or_exported(seeded, app):
    with app.app_context():
        connect_tenant(seeded.fake.url, "globex", sync=False)
        globex_id = app.extensions["ninjaone"].host.find_tenant("globex").id
        with tenant_scope(globex_id):
            integration_id = db.session.scalars(select(Integration.id)).one()
            db.session.remove()
    add_action(globex_id, integration_id, 9, device_name="GLOBEX-SECRET-PC", requested_by_name="Gus Globex",
               requested_by_id="99")  # fmt: skip
    acme = seeded.login(app.test_client(), "tech@acme.test")
    for query in ({}, {"q": "GLOBEX"}, {"technician": "99"}):
        page = acme.get(AUDIT, query_string=query).get_data(as_text=True)
        assert "GLOBEX-SECRET-PC" not in page and "Gus Globex" not in page
        assert "GLOBEX" not in acme.get(EXPORT, query_string=query).get_data(as_text=True).replace(
            "q=GLOBEX", ""
        )
    globex = seeded.login(app.test_client(), "admin@globex.test", "globex")
    page = globex.get(AUDIT).get_data(as_text=True)
    assert rows(page) == 1 and "GLOBEX-SECRET-PC" in page and "PC-001" not in page


def test_cli_filters(seeded, app):
    def listed(*args: str) -> list[str]:
        command = ["ninjaone", "actions", "--tenant", "acme", "--json", *args]
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
        return [row["device_name"] for row in json.loads(result.output)]

    assert listed("--state", "failed") == ["PC-003"]
    assert listed("--kind", "maintenance_start") == ["SRV-DB"]
    assert listed("--since", "2026-11-03") == ["SRV-DB"]
    assert len(listed()) == 4
    bad = app.test_cli_runner().invoke(args=["ninjaone", "actions", "--tenant", "acme", "--since", "soon"])
    assert bad.exit_code != 0 and "is not a date: use YYYY-MM-DD" in bad.output
