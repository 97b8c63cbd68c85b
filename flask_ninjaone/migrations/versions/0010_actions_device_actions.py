"""ninjaone device actions.

Adds ``ninjaone_device_actions``: one row per technician action on a NinjaOne device (reboot,
maintenance mode start/end) with who, when, what (parameters without secrets), its state
(queued → sent → confirmed/failed), the result NinjaOne reported, and an action key unique per
tenant so a double submit or a retried job acts once.

Revision ID: 0010_actions_device_actions
Revises: 0009_perf_software_prefix_index
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0010_actions_device_actions"
down_revision: str | Sequence[str] | None = "0009_perf_software_prefix_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ninjaone_device_actions"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("device_name", sa.String(length=255), nullable=False),
        sa.Column("host_asset_id", sa.String(length=64), nullable=True),
        sa.Column("ticket_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("result", sa.String(length=500), nullable=True),
        sa.Column("requested_by_id", sa.String(length=64), nullable=True),
        sa.Column("requested_by_name", sa.String(length=255), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_device_actions_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_device_actions")),
        sa.UniqueConstraint(
            "tenant_id", "action_key", name=op.f("uq_ninjaone_device_actions_tenant_id_action_key")
        ),
    )
    op.create_index(
        "ix_ninjaone_device_actions_device",
        TABLE,
        ["tenant_id", "integration_id", "device_id", "requested_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ninjaone_device_actions_tenant_id_state"), TABLE, ["tenant_id", "state"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_ninjaone_device_actions_tenant_id_state"), table_name=TABLE)
    op.drop_index("ix_ninjaone_device_actions_device", table_name=TABLE)
    op.drop_table(TABLE)
