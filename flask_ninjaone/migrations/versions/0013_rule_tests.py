"""ninjaone rule tests.

Adds ``ninjaone_rule_tests``: "test this rule" runs as a background job with live progress, so each
test needs a record the page can poll and link to, holding the rule as tested (saved or a draft),
its progress counters and its result (one entry per alert tested). A new table rather than a kind of
sync run: a test reads only stored alerts, belongs to a rule rather than a connection, and has no
place in the sync history.

Revision ID: 0013_rule_tests
Revises: 0012_custom_fields_contacts
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0013_rule_tests"
down_revision: str | Sequence[str] | None = "0012_custom_fields_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ninjaone_rule_tests"
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("rule_name", sa.String(length=255), nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("alert_limit", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("results", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["ninjaone_alert_rules.id"],
            name=op.f("fk_ninjaone_rule_tests_rule_id_ninjaone_alert_rules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_rule_tests")),
    )
    op.create_index(
        op.f("ix_ninjaone_rule_tests_tenant_id_rule_id_id"),
        TABLE,
        ["tenant_id", "rule_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_ninjaone_rule_tests_tenant_id_rule_id_id"), table_name=TABLE)
    op.drop_table(TABLE)
