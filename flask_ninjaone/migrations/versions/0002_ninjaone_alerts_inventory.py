"""ninjaone alert noise control, maintenance windows, software history, remote link cache.

Adds flapping/suppression bookkeeping to alerts (existing rows get 0 cycles, not flapping),
maintenance windows, per-device software history and the encrypted Remote Connect link cache.

Revision ID: 0002_ninjaone_alerts_inventory
Revises: 0001_ninjaone_initial
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0002_ninjaone_alerts_inventory"
down_revision: str | Sequence[str] | None = "0001_ninjaone_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ninjaone_maintenance_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("device_id", sa.BigInteger(), nullable=True),
        sa.Column("recurrence", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "weekdays",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("start_time", sa.String(length=5), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_maintenance_windows")),
    )
    op.create_index(
        op.f("ix_ninjaone_maintenance_windows_tenant_id_active"),
        "ninjaone_maintenance_windows",
        ["tenant_id", "active"],
        unique=False,
    )
    op.create_table(
        "ninjaone_remote_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_remote_links_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_remote_links")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "device_id",
            name=op.f("uq_ninjaone_remote_links_tenant_id_integration_id_device_id"),
        ),
    )
    op.create_table(
        "ninjaone_software_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("publisher", sa.String(length=255), nullable=False),
        sa.Column("old_version", sa.String(length=128), nullable=True),
        sa.Column("new_version", sa.String(length=128), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_software_changes_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_software_changes")),
    )
    op.create_index(
        op.f("ix_ninjaone_software_changes_tenant_id_integration_id_device_id_at"),
        "ninjaone_software_changes",
        ["tenant_id", "integration_id", "device_id", "at"],
        unique=False,
    )
    op.add_column(
        "ninjaone_alerts", sa.Column("last_triggered_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "ninjaone_alerts", sa.Column("cycle_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "ninjaone_alerts", sa.Column("cycle_window_start", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "ninjaone_alerts", sa.Column("flapping", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("ninjaone_alerts", sa.Column("suppressed_reason", sa.String(length=255), nullable=True))
    op.add_column("ninjaone_alerts", sa.Column("ticket_closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_alerts") as batch:
        batch.drop_column("ticket_closed_at")
        batch.drop_column("suppressed_reason")
        batch.drop_column("flapping")
        batch.drop_column("cycle_window_start")
        batch.drop_column("cycle_count")
        batch.drop_column("last_triggered_at")
    op.drop_index(
        op.f("ix_ninjaone_software_changes_tenant_id_integration_id_device_id_at"),
        table_name="ninjaone_software_changes",
    )
    op.drop_table("ninjaone_software_changes")
    op.drop_table("ninjaone_remote_links")
    op.drop_index(
        op.f("ix_ninjaone_maintenance_windows_tenant_id_active"), table_name="ninjaone_maintenance_windows"
    )
    op.drop_table("ninjaone_maintenance_windows")
