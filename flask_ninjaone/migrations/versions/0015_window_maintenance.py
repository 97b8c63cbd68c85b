"""ninjaone maintenance windows in NinjaOne, and NinjaOne's maintenance state on the mirror.

Adds ``ninjaone_maintenance_windows.ninjaone_maintenance`` (opt-in: the window also puts its devices
in maintenance in NinjaOne while it is on) and ``ninjaone_devices.maintenance_status`` /
``maintenance_start`` / ``maintenance_end`` (the device's ``maintenance`` record as NinjaOne last
reported it). Existing windows stay alert-suppression only; existing devices learn their state at
the next sync.

Revision ID: 0015_window_maintenance
Revises: 0014_sites_device_types
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015_window_maintenance"
down_revision: str | Sequence[str] | None = "0014_sites_device_types"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ninjaone_maintenance_windows") as batch_op:
        batch_op.add_column(
            sa.Column("ninjaone_maintenance", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.add_column(sa.Column("maintenance_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("maintenance_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("maintenance_end", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.drop_column("maintenance_end")
        batch_op.drop_column("maintenance_start")
        batch_op.drop_column("maintenance_status")
    with op.batch_alter_table("ninjaone_maintenance_windows") as batch_op:
        batch_op.drop_column("ninjaone_maintenance")
