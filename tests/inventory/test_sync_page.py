"""The sync page: its headline follows device syncs (not the inventory refresh that follows each full sync),
and the history shows each count in a labelled column."""

from __future__ import annotations

import re

from sqlalchemy import select

from flask_ninjaone.models import SyncRun
from sample_host.database import db

URL = "/integrations/ninjaone/sync/"


def test_the_headline_reports_the_device_sync_not_the_inventory_run(acme, app):
    with acme.scope():
        runs = {run.kind: run for run in db.session.scalars(select(SyncRun))}
    assert {"full", "inventory"} <= set(runs) and runs["full"].id < runs[
        "inventory"
    ].id  # inventory is newest
    assert runs["full"].processed != runs["inventory"].processed
    client = acme.login(app.test_client(), "viewer@acme.test")
    page = client.get(URL).get_data(as_text=True)
    assert f"Last device sync succeeded: {runs['full'].processed} devices" in page
    current = client.get(URL + "current.json").get_json()["run"]
    assert current["id"] == runs["full"].id and current["kind"] == "full"


def test_the_history_has_a_labelled_column_per_count(acme, app):
    client = acme.login(app.test_client(), "viewer@acme.test")
    page = client.get(URL).get_data(as_text=True)
    header = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    columns = re.findall(r"<th[^>]*>([^<]+)</th>", header)
    assert columns[5:14] == [
        "Created",
        "Updated",
        "Unchanged",
        "Adopted",
        "Retired",
        "Held",
        "Asked",  # held by an adoption question (a serial of another instance's asset)
        "Skipped",
        "Failed",
    ]
    assert 'data-label="Created" class="ninjaone-num">' in page
    assert "Full sync" in page and "Inventory refresh" in page
