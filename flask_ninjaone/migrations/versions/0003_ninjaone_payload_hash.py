"""ninjaone device payload fingerprint.

Adds ``ninjaone_devices.payload_hash``: the fingerprint of the raw payload a mirror row was last
written from. Existing rows start empty, so the first full sync after the upgrade loads every
device as before and fills it in.

Revision ID: 0003_ninjaone_payload_hash
Revises: 0002_ninjaone_alerts_inventory
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003_ninjaone_payload_hash"
down_revision: str | Sequence[str] | None = "0002_ninjaone_alerts_inventory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.add_column(sa.Column("payload_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.drop_column("payload_hash")
