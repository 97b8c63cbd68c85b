"""ninjaone inbox next attempt.

Adds ``ninjaone_webhook_inbox.next_attempt_at``: deliveries are now processed by one drain job per
tenant instead of one queue job each, so the backoff of a failed attempt and the claim of a running
one live on the row. Existing rows start empty, i.e. due now.

Revision ID: 0004_ninjaone_inbox_next_attempt
Revises: 0003_ninjaone_payload_hash
Create Date: 2026-11-27

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004_ninjaone_inbox_next_attempt"
down_revision: str | Sequence[str] | None = "0003_ninjaone_payload_hash"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ninjaone_webhook_inbox") as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_webhook_inbox") as batch_op:
        batch_op.drop_column("next_attempt_at")
