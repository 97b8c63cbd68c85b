"""ninjaone operator-set base URL.

* ``ninjaone_integrations.base_url_set_by_operator``: the operator's CLI (``flask ninjaone connect
  --base-url``) chose the instance URL, so it is trusted and reached without the address guard even
  when it is not listed in ``NINJAONE_ALLOWED_BASE_URLS``. Existing rows start as not operator-set:
  a custom URL saved before this revision may have been typed by a tenant admin, so it gets the guard
  until the operator lists it or connects it again from the CLI.

Revision ID: 0008_ninjaone_operator_base_url
Revises: 0007_ninjaone_sync_status
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008_ninjaone_operator_base_url"
down_revision: str | Sequence[str] | None = "0007_ninjaone_sync_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ninjaone_integrations") as batch_op:
        batch_op.add_column(
            sa.Column("base_url_set_by_operator", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_integrations") as batch_op:
        batch_op.drop_column("base_url_set_by_operator")
