"""ninjaone sync status: why a device's asset is held back or retired, and when the last full walk ran.

Adds ``ninjaone_devices.held_reason`` (set while a device NinjaOne still has is kept off the host's
active assets: awaiting approval, or moved into an unmapped organization), ``retired_reason`` (why it
was retired: deleted, decommissioned, no longer present) and ``ninjaone_integrations.last_full_sync_at``
(scheduled syncs are incremental and refresh ``last_sync_at``, so the complete walk keeps its own clock).
Existing rows start empty: nothing held, retired for an unrecorded reason, no full walk on record (the
next scheduled sync is then a full one).

Revision ID: 0007_ninjaone_sync_status
Revises: 0006_ninjaone_owed_writes
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007_ninjaone_sync_status"
down_revision: str | Sequence[str] | None = "0006_ninjaone_owed_writes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.add_column(sa.Column("held_reason", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("retired_reason", sa.String(length=255), nullable=True))
    with op.batch_alter_table("ninjaone_integrations") as batch_op:
        batch_op.add_column(sa.Column("last_full_sync_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_integrations") as batch_op:
        batch_op.drop_column("last_full_sync_at")
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.drop_column("retired_reason")
        batch_op.drop_column("held_reason")
