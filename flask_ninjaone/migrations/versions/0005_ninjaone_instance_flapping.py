"""ninjaone instance change and sliding flapping window.

* ``ninjaone_integrations.retired_at``: devices, organizations and alerts belong to one NinjaOne
  instance, so moving a tenant to another instance starts a new integration row and retires the old
  one (kept for its history; never synced, never the tenant's integration again unless the tenant
  returns to that very instance).

* ``ninjaone_alerts.cycle_times`` replaces ``cycle_count`` / ``cycle_window_start``: flapping is
  counted over a sliding window, which needs the newest cycle times, not a fixed window's counters.
  Existing alerts start with no recorded cycles (their ``flapping`` flag is kept): counting starts
  afresh with the next cycle. A downgrade cannot rebuild the counters and leaves them empty.

Revision ID: 0005_ninjaone_instance_flapping
Revises: 0004_ninjaone_inbox_next_attempt
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0005_ninjaone_instance_flapping"
down_revision: str | Sequence[str] | None = "0004_ninjaone_inbox_next_attempt"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ninjaone_integrations") as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("ninjaone_alerts") as batch_op:
        batch_op.add_column(
            sa.Column(
                "cycle_times",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
        batch_op.drop_column("cycle_window_start")
        batch_op.drop_column("cycle_count")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_alerts") as batch_op:
        batch_op.add_column(sa.Column("cycle_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("cycle_window_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column("cycle_times")
    with op.batch_alter_table("ninjaone_integrations") as batch_op:
        batch_op.drop_column("retired_at")
