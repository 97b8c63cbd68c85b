"""ninjaone owed writes.

Adds ``ninjaone_owed_writes``: writes to NinjaOne that must happen (an alert reset after its ticket
closed, the webhook configuration, releasing a dropped connection's webhook and tokens) are kept
until NinjaOne confirms them, and retried with backoff honouring ``Retry-After``.

Revision ID: 0006_ninjaone_owed_writes
Revises: 0005_ninjaone_instance_flapping
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006_ninjaone_owed_writes"
down_revision: str | Sequence[str] | None = "0005_ninjaone_instance_flapping"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ninjaone_owed_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_owed_writes_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_owed_writes")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "kind",
            "target",
            name=op.f("uq_ninjaone_owed_writes_tenant_id_integration_id_kind_target"),
        ),
    )
    op.create_index(
        op.f("ix_ninjaone_owed_writes_tenant_id_next_attempt_at"),
        "ninjaone_owed_writes",
        ["tenant_id", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(
        op.f("ix_ninjaone_owed_writes_tenant_id_next_attempt_at"), table_name="ninjaone_owed_writes"
    )
    op.drop_table("ninjaone_owed_writes")
