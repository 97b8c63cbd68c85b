"""The demo seed: complete, and idempotent (a second run changes nothing)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from sample_host.database import db
from sample_host.models import Asset, Tenant, Ticket, User
from sample_host.seed import seed_command


def _row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def test_second_seed_run_changes_nothing(app: Flask) -> None:
    before = _row_counts(app)  # the fixture database has been seeded once already
    result = app.test_cli_runner().invoke(seed_command)
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output
    assert _row_counts(app) == before


def test_seed_creates_two_tenants_with_every_role_and_mixed_assets(app: Flask) -> None:
    counts = _row_counts(app)
    assert counts["tenants"] == 2
    assert counts["users"] == 6
    assert counts["ticket_notes"] > 0 and counts["ticket_assets"] > 0
    with app.app_context():
        for slug in ("acme", "globex"):
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
            assert tenant is not None
            roles = set(db.session.scalars(select(User.role).where(User.tenant_id == tenant.id)))
            assert roles == {"admin", "technician", "viewer"}
            types = set(db.session.scalars(select(Asset.asset_type).where(Asset.tenant_id == tenant.id)))
            assert {"workstation", "server", "network_device", "mobile", "printer"} <= types
            numbers = db.session.scalars(select(Ticket.number).where(Ticket.tenant_id == tenant.id)).all()
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
            assert tenant.ticket_counter == len(numbers)
