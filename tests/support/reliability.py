"""The reliability scenarios' shared steps and their end check: nothing lost, nothing duplicated, mirror
and host agree. Each scenario reports what it did and checked (run with -s to read it)."""

from __future__ import annotations

from sqlalchemy import func, select

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import Device
from sample_host.database import db
from sample_host.models import Asset
from tests.support.world import connect_acme as connect_shared

DEVICES = 2500


class Report:
    """Collects the scenario's steps and checks and prints them at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []

    def did(self, text: str) -> None:
        self.lines.append(f"  did:     {text}")

    def checked(self, text: str, ok: bool = True) -> None:
        assert ok, f"{self.name}: {text}"
        self.lines.append(f"  checked: {text}")

    def print(self) -> None:
        print(f"\n[{self.name}]\n" + "\n".join(self.lines))


def connect_acme(app, fake):
    """The shared setup, with retries enough to ride out the injected fault storms."""
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 6
    return connect_shared(app, fake)


def synced_devices(fake) -> set[int]:
    """Ids the host should hold: approved devices of the fake (every organization is mapped)."""
    return {d["id"] for d in fake.state.devices_page(None, 10**6) if d.get("approvalStatus") == "APPROVED"}


def consistency(report: Report, tenant, fake) -> None:
    """Nothing lost, nothing duplicated, mirror and host agree."""
    expected = synced_devices(fake)
    db.session.expire_all()
    assets = db.session.execute(
        select(Asset.external_id, func.count())
        .where(
            Asset.tenant_id == int(tenant.id), Asset.external_source == "ninjaone", Asset.status == "active"
        )
        .group_by(Asset.external_id)
    ).all()
    report.checked(f"every approved device has an active asset ({len(expected)})",
                   {int(external) for external, _ in assets} == expected)  # fmt: skip
    report.checked("no device has two assets", all(count == 1 for _, count in assets))
    with tenant_scope(tenant.id):
        mirror = set(db.session.scalars(select(Device.device_id).where(Device.retired.is_(False))))
        linked = db.session.execute(
            select(func.count()).select_from(Device).where(Device.host_asset_id.is_(None))
        ).scalar()
    report.checked("the mirror holds exactly the same devices", mirror == expected)
    report.checked("every mirror row is linked to a host asset", linked == 0)
