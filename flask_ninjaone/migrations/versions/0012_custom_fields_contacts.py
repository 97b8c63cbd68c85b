"""ninjaone custom fields and contacts.

Adds ``ninjaone_field_mappings`` (which NinjaOne device custom field feeds which host asset attribute,
typed, optionally two-way), ``ninjaone_device_attributes`` (per device, the mapped fields' values as
NinjaOne last reported them, and the last logged-on user with the host contact found for them) and
``ninjaone_contact_settings`` (per connection: link last users to contacts, and may create them).

Revision ID: 0012_custom_fields_contacts
Revises: 0011_inventory_fingerprints
Create Date: 2026-12-07

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0012_custom_fields_contacts"
down_revision: str | Sequence[str] | None = "0011_inventory_fingerprints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _integration_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["integration_id"],
        ["ninjaone_integrations.id"],
        name=op.f(f"fk_{table}_integration_id_ninjaone_integrations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ninjaone_field_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("field_name", sa.String(length=128), nullable=False),
        sa.Column("field_label", sa.String(length=255), nullable=False),
        sa.Column("field_type", sa.String(length=16), nullable=False),
        sa.Column("ninjaone_type", sa.String(length=32), nullable=False),
        sa.Column("options", _JSON, nullable=False),
        sa.Column("attribute", sa.String(length=128), nullable=False),
        sa.Column("two_way", sa.Boolean(), nullable=False),
        sa.Column("missing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        _integration_fk("ninjaone_field_mappings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_field_mappings")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "attribute",
            name=op.f("uq_ninjaone_field_mappings_tenant_id_integration_id_attribute"),
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "field_name",
            name=op.f("uq_ninjaone_field_mappings_tenant_id_integration_id_field_name"),
        ),
    )
    op.create_table(
        "ninjaone_device_attributes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("values", _JSON, nullable=False),
        sa.Column("values_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("logon_user", sa.String(length=255), nullable=True),
        sa.Column("logon_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_id", sa.String(length=64), nullable=True),
        sa.Column("contact_name", sa.String(length=255), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        _integration_fk("ninjaone_device_attributes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_device_attributes")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "device_id",
            name=op.f("uq_ninjaone_device_attributes_tenant_id_integration_id_device_id"),
        ),
    )
    op.create_table(
        "ninjaone_contact_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("link_contacts", sa.Boolean(), nullable=False),
        sa.Column("create_contacts", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        _integration_fk("ninjaone_contact_settings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_contact_settings")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            name=op.f("uq_ninjaone_contact_settings_tenant_id_integration_id"),
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("ninjaone_contact_settings")
    op.drop_table("ninjaone_device_attributes")
    op.drop_table("ninjaone_field_mappings")
