"""ninjaone software names: the (name key, publisher) pairs the software search matches first.

* ``ninjaone_software_names``: one row per (integration, lower-cased name, publisher) present in
  ``ninjaone_software``, kept by the inventory writer. The fleet software search matches a term
  against these few thousand rows and then reads only the software rows of the matching names by
  index: "contains" and publisher searches scanned the whole software table (0.4-1 s on 584k rows
  for a bare ``count(*)``), and a trigram index would need ``CREATE EXTENSION pg_trgm``, which a
  host's database role may lack. Filled here from the rows already stored.
* ``ix_ninjaone_software_name_order`` on ``ninjaone_software (tenant_id, integration_id, name_key,
  version, device_id, id)``, the page order: the rows of one name are read in order and the first
  page stops after 51 instead of sorting all of them (4,600 rows for a common product). It replaces
  ``ix_ninjaone_software_name_prefix`` (0009, PostgreSQL only): "starts with" is now matched against
  the list of names, and software rows are found by equal name, which the new index serves on every
  database.

Revision ID: 0018_search_software_names
Revises: 0017_instances_names
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018_search_software_names"
down_revision: str | Sequence[str] | None = "0017_instances_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ninjaone_software_names"
ORDER_INDEX = "ix_ninjaone_software_name_order"
PREFIX_INDEX = "ix_ninjaone_software_name_prefix"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(length=512), nullable=False),
        sa.Column("publisher", sa.String(length=255), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_software_names_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_software_names")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "name_key",
            "publisher",
            name=op.f("uq_ninjaone_software_names_tenant_id_integration_id_name_key_publisher"),
        ),
    )
    op.execute(
        f"INSERT INTO {TABLE} (tenant_id, integration_id, name_key, publisher) "
        "SELECT DISTINCT tenant_id, integration_id, name_key, publisher FROM ninjaone_software"
    )
    op.create_index(
        ORDER_INDEX,
        "ninjaone_software",
        ["tenant_id", "integration_id", "name_key", "version", "device_id", "id"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(PREFIX_INDEX, table_name="ninjaone_software")


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            PREFIX_INDEX,
            "ninjaone_software",
            ["tenant_id", "integration_id", "name_key"],
            postgresql_ops={"name_key": "text_pattern_ops"},
        )
    op.drop_index(ORDER_INDEX, table_name="ninjaone_software")
    op.drop_table(TABLE)
