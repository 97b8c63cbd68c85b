"""ninjaone initial tables: every extension table, on the `ninjaone` branch.

The host applies it with `flask db upgrade heads`; `flask db downgrade ninjaone@base` removes
exactly these tables and nothing of the host's.

Revision ID: 0001_ninjaone_initial
Revises:
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001_ninjaone_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("ninjaone",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ninjaone_alert_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("catch_all", sa.Boolean(), nullable=False),
        sa.Column(
            "conditions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "actions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_alert_rules")),
    )
    op.create_index(
        op.f("ix_ninjaone_alert_rules_tenant_id_position"),
        "ninjaone_alert_rules",
        ["tenant_id", "position"],
        unique=False,
    )
    op.create_table(
        "ninjaone_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("user_name", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_audit_log")),
    )
    op.create_index(
        op.f("ix_ninjaone_audit_log_tenant_id_action"),
        "ninjaone_audit_log",
        ["tenant_id", "action"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ninjaone_audit_log_tenant_id_at"), "ninjaone_audit_log", ["tenant_id", "at"], unique=False
    )
    op.create_table(
        "ninjaone_integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("auth_mode", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_by", sa.String(length=255), nullable=True),
        sa.Column("webhook_state", sa.String(length=16), nullable=False),
        sa.Column("webhook_error", sa.Text(), nullable=True),
        sa.Column("webhook_secret", sa.Text(), nullable=True),
        sa.Column("webhook_previous_secret", sa.Text(), nullable=True),
        sa.Column("webhook_previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_sync", sa.Boolean(), nullable=False),
        sa.Column("sync_interval_minutes", sa.Integer(), nullable=False),
        sa.Column("inventory_interval_minutes", sa.Integer(), nullable=False),
        sa.Column("sync_pending_devices", sa.Boolean(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_status", sa.String(length=32), nullable=True),
        sa.Column("last_inventory_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_activity_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_integrations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_ninjaone_integrations_public_id")),
        sa.UniqueConstraint(
            "tenant_id", "base_url", name=op.f("uq_ninjaone_integrations_tenant_id_base_url")
        ),
    )
    op.create_table(
        "ninjaone_locks",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name", name=op.f("pk_ninjaone_locks")),
    )
    op.create_table(
        "ninjaone_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("series_uid", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=True),
        sa.Column("host_asset_id", sa.String(length=64), nullable=True),
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("activity_type", sa.String(length=64), nullable=True),
        sa.Column("status_code", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("source_config_uid", sa.String(length=64), nullable=True),
        sa.Column("source_name", sa.String(length=255), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=255), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.Column("ticket_id", sa.String(length=64), nullable=True),
        sa.Column("auto_created", sa.Boolean(), nullable=False),
        sa.Column("occurrence_count", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("last_activity_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_alerts_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_alerts")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "series_uid",
            name=op.f("uq_ninjaone_alerts_tenant_id_integration_id_series_uid"),
        ),
    )
    op.create_index(
        op.f("ix_ninjaone_alerts_tenant_id_device_id_source_config_uid"),
        "ninjaone_alerts",
        ["tenant_id", "device_id", "source_config_uid"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ninjaone_alerts_tenant_id_status_severity"),
        "ninjaone_alerts",
        ["tenant_id", "status", "severity"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ninjaone_alerts_tenant_id_ticket_id"),
        "ninjaone_alerts",
        ["tenant_id", "ticket_id"],
        unique=False,
    )
    op.create_table(
        "ninjaone_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=True),
        sa.Column("client_secret_hint", sa.String(length=8), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scope", sa.String(length=255), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_credentials_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_credentials")),
        sa.UniqueConstraint(
            "tenant_id", "integration_id", name=op.f("uq_ninjaone_credentials_tenant_id_integration_id")
        ),
    )
    op.create_table(
        "ninjaone_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=True),
        sa.Column("location_id", sa.BigInteger(), nullable=True),
        sa.Column("node_class", sa.String(length=64), nullable=True),
        sa.Column("device_type", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("asset_type", sa.String(length=32), nullable=True),
        sa.Column("approval_status", sa.String(length=32), nullable=True),
        sa.Column("agent_status", sa.String(length=16), nullable=False),
        sa.Column("last_contact", sa.DateTime(timezone=True), nullable=True),
        sa.Column("serial_number", sa.String(length=255), nullable=True),
        sa.Column(
            "hardware",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("host_asset_id", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("os_patches_pending", sa.Integer(), nullable=True),
        sa.Column("os_patches_failed", sa.Integer(), nullable=True),
        sa.Column("software_patches_pending", sa.Integer(), nullable=True),
        sa.Column("software_patches_failed", sa.Integer(), nullable=True),
        sa.Column("last_patch_scan_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "antivirus",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("threats_active", sa.Integer(), nullable=True),
        sa.Column("threats_quarantined", sa.Integer(), nullable=True),
        sa.Column("health_status", sa.String(length=32), nullable=True),
        sa.Column("active_alerts", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_devices_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_devices")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "device_id",
            name=op.f("uq_ninjaone_devices_tenant_id_integration_id_device_id"),
        ),
    )
    op.create_index(
        op.f("ix_ninjaone_devices_tenant_id_host_asset_id"),
        "ninjaone_devices",
        ["tenant_id", "host_asset_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ninjaone_devices_tenant_id_integration_id_organization_id"),
        "ninjaone_devices",
        ["tenant_id", "integration_id", "organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ninjaone_devices_tenant_id_serial_number"),
        "ninjaone_devices",
        ["tenant_id", "serial_number"],
        unique=False,
    )
    op.create_table(
        "ninjaone_organization_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "locations",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("host_client_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("auto_sync", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("device_count", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_organization_mappings_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_organization_mappings")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "organization_id",
            name=op.f("uq_ninjaone_organization_mappings_tenant_id_integration_id_organization_id"),
        ),
    )
    op.create_table(
        "ninjaone_patches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("patch_uid", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("kb_number", sa.String(length=64), nullable=True),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("patch_type", sa.String(length=64), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_patches_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_patches")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "device_id",
            "kind",
            "patch_uid",
            name=op.f("uq_ninjaone_patches_tenant_id_integration_id_device_id_kind_patch_uid"),
        ),
    )
    op.create_index(
        op.f("ix_ninjaone_patches_tenant_id_status"),
        "ninjaone_patches",
        ["tenant_id", "status"],
        unique=False,
    )
    op.create_table(
        "ninjaone_software",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("name_key", sa.String(length=512), nullable=False),
        sa.Column("publisher", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=128), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_software_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_software")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "device_id",
            "name_key",
            "publisher",
            "version",
            name=op.f("uq_ninjaone_software_tenant_id_integration_id_device_id_name_key_publisher_version"),
        ),
    )
    op.create_index(
        op.f("ix_ninjaone_software_tenant_id_name_key"),
        "ninjaone_software",
        ["tenant_id", "name_key"],
        unique=False,
    )
    op.create_table(
        "ninjaone_sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "api_calls",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "conflicts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_sync_runs_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_sync_runs")),
    )
    op.create_index(
        op.f("ix_ninjaone_sync_runs_tenant_id_integration_id_started_at"),
        "ninjaone_sync_runs",
        ["tenant_id", "integration_id", "started_at"],
        unique=False,
    )
    op.create_table(
        "ninjaone_webhook_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.BigInteger(), nullable=False),
        sa.Column("activity_type", sa.String(length=64), nullable=True),
        sa.Column("status_code", sa.String(length=64), nullable=True),
        sa.Column("device_id", sa.BigInteger(), nullable=True),
        sa.Column("series_uid", sa.String(length=64), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["ninjaone_integrations.id"],
            name=op.f("fk_ninjaone_webhook_inbox_integration_id_ninjaone_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ninjaone_webhook_inbox")),
        sa.UniqueConstraint(
            "tenant_id",
            "integration_id",
            "activity_id",
            name=op.f("uq_ninjaone_webhook_inbox_tenant_id_integration_id_activity_id"),
        ),
    )
    op.create_index(
        op.f("ix_ninjaone_webhook_inbox_tenant_id_status_received_at"),
        "ninjaone_webhook_inbox",
        ["tenant_id", "status", "received_at"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(
        op.f("ix_ninjaone_webhook_inbox_tenant_id_status_received_at"), table_name="ninjaone_webhook_inbox"
    )
    op.drop_table("ninjaone_webhook_inbox")
    op.drop_index(
        op.f("ix_ninjaone_sync_runs_tenant_id_integration_id_started_at"), table_name="ninjaone_sync_runs"
    )
    op.drop_table("ninjaone_sync_runs")
    op.drop_index(op.f("ix_ninjaone_software_tenant_id_name_key"), table_name="ninjaone_software")
    op.drop_table("ninjaone_software")
    op.drop_index(op.f("ix_ninjaone_patches_tenant_id_status"), table_name="ninjaone_patches")
    op.drop_table("ninjaone_patches")
    op.drop_table("ninjaone_organization_mappings")
    op.drop_index(op.f("ix_ninjaone_devices_tenant_id_serial_number"), table_name="ninjaone_devices")
    op.drop_index(
        op.f("ix_ninjaone_devices_tenant_id_integration_id_organization_id"), table_name="ninjaone_devices"
    )
    op.drop_index(op.f("ix_ninjaone_devices_tenant_id_host_asset_id"), table_name="ninjaone_devices")
    op.drop_table("ninjaone_devices")
    op.drop_table("ninjaone_credentials")
    op.drop_index(op.f("ix_ninjaone_alerts_tenant_id_ticket_id"), table_name="ninjaone_alerts")
    op.drop_index(op.f("ix_ninjaone_alerts_tenant_id_status_severity"), table_name="ninjaone_alerts")
    op.drop_index(
        op.f("ix_ninjaone_alerts_tenant_id_device_id_source_config_uid"), table_name="ninjaone_alerts"
    )
    op.drop_table("ninjaone_alerts")
    op.drop_table("ninjaone_locks")
    op.drop_table("ninjaone_integrations")
    op.drop_index(op.f("ix_ninjaone_audit_log_tenant_id_at"), table_name="ninjaone_audit_log")
    op.drop_index(op.f("ix_ninjaone_audit_log_tenant_id_action"), table_name="ninjaone_audit_log")
    op.drop_table("ninjaone_audit_log")
    op.drop_index(op.f("ix_ninjaone_alert_rules_tenant_id_position"), table_name="ninjaone_alert_rules")
    op.drop_table("ninjaone_alert_rules")
