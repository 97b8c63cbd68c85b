"""ninjaone warranty dates on the device mirror, and month-end billing snapshots.

Adds ``ninjaone_devices.warranty_start`` / ``warranty_end`` / ``warranty_fulfillment`` (NinjaOne's
``references.warranty``; existing devices learn theirs at the next sync) with an index on the end
for the warranties-ending view, and ``ninjaone_billing_snapshots`` (managed devices per client, asset
type and role at each month end) with ``ninjaone_integrations.billing_month``, the last month
taken.

Revision ID: 0016_warranty_billing
Revises: 0015_window_maintenance
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016_warranty_billing"
down_revision: str | Sequence[str] | None = "0015_window_maintenance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOTS = "ninjaone_billing_snapshots"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.add_column(sa.Column("warranty_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("warranty_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("warranty_fulfillment", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        op.f("ix_ninjaone_devices_tenant_id_warranty_end"),
        "ninjaone_devices",
        ["tenant_id", "warranty_end"],
        unique=False,
    )
    with op.batch_alter_table("ninjaone_integrations") as batch_op:
        batch_op.add_column(sa.Column("billing_month", sa.String(length=7), nullable=True))
    op.create_table(
        SNAPSHOTS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("host_client_id", sa.String(length=64), nullable=False),
        sa.Column("asset_type", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.BigInteger(), nullable=False),
        sa.Column("devices", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f(f"fk_{SNAPSHOTS}_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{SNAPSHOTS}")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "month",
            "host_client_id",
            "asset_type",
            "role_id",
            name=op.f(f"uq_{SNAPSHOTS}_row"),
        ),
    )
    op.create_index(
        op.f(f"ix_{SNAPSHOTS}_tenant_id_integration_id_month"),
        SNAPSHOTS,
        ["tenant_id", "integration_id", "month"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f(f"ix_{SNAPSHOTS}_tenant_id_integration_id_month"), table_name=SNAPSHOTS)
    op.drop_table(SNAPSHOTS)
    with op.batch_alter_table("ninjaone_integrations") as batch_op:
        batch_op.drop_column("billing_month")
    op.drop_index(op.f("ix_ninjaone_devices_tenant_id_warranty_end"), table_name="ninjaone_devices")
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.drop_column("warranty_fulfillment")
        batch_op.drop_column("warranty_end")
        batch_op.drop_column("warranty_start")
