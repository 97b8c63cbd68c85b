"""ninjaone windows instance scope: a maintenance window covers one NinjaOne instance, or all (issue 22).

Adds ``ninjaone_maintenance_windows.integration_id`` (nullable; ``NULL`` = every instance of the
tenant), like 0019 did for alert rules. A window's organization and device ids are numbered per
instance, so a window naming one only means something in one instance. Existing windows are scoped
as follows:

* a window naming no organization or device stays ``NULL``: it covers every instance, as it did;
* a window naming one goes to the tenant's oldest live instance that knows it (its organization
  mapping, its live device), else to the oldest live instance (the one windows were written for,
  and the one the NinjaOne maintenance of a window acted on until now);
* a tenant with no live instance keeps ``NULL``: there is nothing to scope to.

Downgrading drops the column: every window covers its ids in every instance again (the old behaviour).

Revision ID: 0021_windows_instance_scope
Revises: 0020_adoption_questions
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0021_windows_instance_scope"
down_revision: str | Sequence[str] | None = "0020_adoption_questions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ninjaone_maintenance_windows"
FOREIGN_KEY = f"fk_{TABLE}_integration_id_ninjaone_integrations"


def _known(query: str) -> set[tuple[int, int]]:
    """``(integration id, id)`` pairs a query of the instances' organizations or devices returns."""
    return {(integration_id, known) for integration_id, known in op.get_bind().execute(sa.text(query))}


def _scopes() -> list[tuple[int, int]]:
    """``(window id, integration id)`` for every window that names an organization or device and whose
    tenant has a live instance (this revision's own reading: the models may change later)."""
    bind = op.get_bind()
    instances: dict[str, list[int]] = {}
    for row_id, tenant_id in bind.execute(
        sa.text("SELECT id, tenant_id FROM ninjaone_integrations WHERE retired_at IS NULL ORDER BY id")
    ):
        instances.setdefault(tenant_id, []).append(row_id)
    organizations = _known("SELECT integration_id, organization_id FROM ninjaone_organization_mappings")
    devices = _known("SELECT integration_id, device_id FROM ninjaone_devices WHERE retired = false")
    scoped = []
    for window_id, tenant_id, organization_id, device_id in bind.execute(
        sa.text(f"SELECT id, tenant_id, organization_id, device_id FROM {TABLE} ORDER BY id")
    ):
        live = instances.get(tenant_id)
        if (organization_id is None and device_id is None) or not live:
            continue
        knowing = [
            row_id
            for row_id in live
            if (device_id is None or (row_id, device_id) in devices)
            and (organization_id is None or (row_id, organization_id) in organizations)
        ]
        scoped.append((window_id, (knowing or live)[0]))
    return scoped


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.add_column(sa.Column("integration_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f(FOREIGN_KEY), "ninjaone_integrations", ["integration_id"], ["id"], ondelete="SET NULL"
        )
    update = sa.text(f"UPDATE {TABLE} SET integration_id = :integration_id WHERE id = :id")
    for window_id, integration_id in _scopes():
        op.get_bind().execute(update, {"id": window_id, "integration_id": integration_id})


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.drop_constraint(op.f(FOREIGN_KEY), type_="foreignkey")
        batch_op.drop_column("integration_id")
