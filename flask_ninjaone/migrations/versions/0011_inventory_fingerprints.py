"""ninjaone inventory fingerprints.

Adds ``ninjaone_devices.inventory_fingerprints``: per inventory report (``software``,
``os-patches``, ...), the fingerprint of the rows a device's stored inventory was last written
from. A bulk refresh skips a device whose rows hash the same without reading its stored rows back.
Existing rows start empty, so the first refresh after the upgrade compares every device as before
and fills it in.

Revision ID: 0011_inventory_fingerprints
Revises: 0010_actions_device_actions
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0011_inventory_fingerprints"
down_revision: str | Sequence[str] | None = "0010_actions_device_actions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.add_column(
            sa.Column(
                "inventory_fingerprints",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.drop_column("inventory_fingerprints")
