"""ninjaone locations → sites, node roles and classes → asset types.

Adds ``ninjaone_location_sites`` (a NinjaOne location mapped to a site of its organization's host
client) and ``ninjaone_device_type_rules`` (a node role or class mapped to a host asset type, for
every organization or one), and to ``ninjaone_devices`` the device's node role, the host asset type
and the site it was last written with (shown by ``flask ninjaone devices``). Existing devices start
with none: the next sync writes them.

Revision ID: 0014_sites_device_types
Revises: 0013_rule_tests
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014_sites_device_types"
down_revision: str | Sequence[str] | None = "0013_rule_tests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITES = "ninjaone_location_sites"
RULES = "ninjaone_device_type_rules"


def _integration_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["integration_id"],
        ["ninjaone_integrations.id"],
        name=op.f(f"fk_{table}_integration_id_ninjaone_integrations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        SITES,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("location_id", sa.BigInteger(), nullable=False),
        sa.Column("host_client_id", sa.String(length=64), nullable=False),
        sa.Column("host_site_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        _integration_key(SITES),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{SITES}")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "location_id",
            name=op.f(f"uq_{SITES}_tenant_id_integration_id_location_id"),
        ),
    )
    op.create_table(
        RULES,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("match_kind", sa.String(length=8), nullable=False),
        sa.Column("match_value", sa.String(length=64), nullable=False),
        sa.Column("host_asset_type", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.CheckConstraint("match_kind IN ('role', 'class')", name=op.f(f"ck_{RULES}_match_kind")),
        _integration_key(RULES),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{RULES}")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "organization_id",
            "match_kind",
            "match_value",
            name=op.f(f"uq_{RULES}_match"),
        ),
    )
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.add_column(sa.Column("node_role_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("host_asset_type", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("site_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ninjaone_devices") as batch_op:
        batch_op.drop_column("site_id")
        batch_op.drop_column("host_asset_type")
        batch_op.drop_column("node_role_id")
    op.drop_table(RULES)
    op.drop_table(SITES)
