"""ninjaone adoption questions: a device whose serial is another instance's asset asks (issue 22).

Adds ``ninjaone_adoption_questions``: one row per device of an instance whose serial number is that of
an asset a device of another instance of the tenant feeds, with the admin's answer (link to that asset,
or keep separate) once given; the sync holds the device until then and follows the answer afterwards.

Revision ID: 0020_adoption_questions
Revises: 0019_rules_instance_scope
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0020_adoption_questions"
down_revision: str | Sequence[str] | None = "0019_rules_instance_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ninjaone_adoption_questions"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("device_name", sa.String(length=255), nullable=False),
        sa.Column("serial_number", sa.String(length=255), nullable=False),
        sa.Column("host_asset_id", sa.String(length=64), nullable=False),
        sa.Column("owner_integration_id", sa.Integer(), nullable=False),
        sa.Column("owner_device_id", sa.BigInteger(), nullable=False),
        sa.Column("owner_device_name", sa.String(length=255), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=255), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_adoption_questions_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_adoption_questions_owner_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_adoption_questions")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "device_id",
            name=op.f("uq_ninjaone_adoption_questions_tenant_id_integration_id_device_id"),
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table(TABLE)
