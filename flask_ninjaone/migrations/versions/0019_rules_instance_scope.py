"""ninjaone rules instance scope: an alert rule applies to one NinjaOne instance, or to all (issue 22).

Adds ``ninjaone_alert_rules.integration_id`` (nullable; ``NULL`` = every instance of the tenant). A
rule's organization and role ids are numbered per instance, so a rule naming them only means
something in one instance. Existing rules are scoped as follows:

* a rule naming no organization or role id stays ``NULL``: it applies to every instance, as it did;
* a rule naming some goes to the tenant's oldest live instance that knows all of its organizations
  (a rule with only role ids: the oldest live instance). Before this revision the rule form offered
  the organizations of every instance by id, and the oldest instance was the one rules were written
  for (the second instance came with 0017, the same day);
* a tenant with no live instance keeps ``NULL``: there is nothing to scope to, and a rule of a
  disconnected tenant handles no alert. The rule form asks for the instance at its next save.

A rule's instance row is never deleted while it held ids (it is retired); the one deletion, of a row
that never held any, leaves its rules for every instance (``ON DELETE SET NULL``). Downgrading drops
the column: every rule applies to every instance again (the old behaviour).

Revision ID: 0019_rules_instance_scope
Revises: 0018_search_software_names
Create Date: 2026-12-07

"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0019_rules_instance_scope"
down_revision: str | Sequence[str] | None = "0018_search_software_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ninjaone_alert_rules"
FOREIGN_KEY = f"fk_{TABLE}_integration_id_ninjaone_integrations"


def _ids(conditions: Any, key: str) -> set[int]:
    """The ids a stored condition list holds (stored JSON: a string on some drivers, junk possible)."""
    if isinstance(conditions, str):
        try:
            conditions = json.loads(conditions)
        except ValueError:
            return set()
    values = conditions.get(key) if isinstance(conditions, dict) else None
    return {value for value in values or () if isinstance(value, int)}


def _scopes() -> list[tuple[int, int]]:
    """``(rule id, integration id)`` for every rule that names organization or role ids and whose
    tenant has a live instance (this revision's own copy of the rule: the model may change later)."""
    bind = op.get_bind()
    instances: dict[str, list[int]] = {}
    for row_id, tenant_id in bind.execute(
        sa.text("SELECT id, tenant_id FROM ninjaone_integrations WHERE retired_at IS NULL ORDER BY id")
    ):
        instances.setdefault(tenant_id, []).append(row_id)
    organizations: dict[int, set[int]] = {}
    for integration_id, organization_id in bind.execute(
        sa.text("SELECT integration_id, organization_id FROM ninjaone_organization_mappings")
    ):
        organizations.setdefault(integration_id, set()).add(organization_id)
    scoped = []
    for rule_id, tenant_id, conditions in bind.execute(
        sa.text(f"SELECT id, tenant_id, conditions FROM {TABLE} ORDER BY id")
    ):
        wanted = _ids(conditions, "organization_ids")
        if not (wanted or _ids(conditions, "role_ids")) or not instances.get(tenant_id):
            continue
        live = instances[tenant_id]
        knowing = [row_id for row_id in live if wanted <= organizations.get(row_id, set())]
        scoped.append((rule_id, (knowing or live)[0]))
    return scoped


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.add_column(sa.Column("integration_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f(FOREIGN_KEY), "ninjaone_integrations", ["integration_id"], ["id"], ondelete="SET NULL"
        )
    update = sa.text(f"UPDATE {TABLE} SET integration_id = :integration_id WHERE id = :id")
    for rule_id, integration_id in _scopes():
        op.get_bind().execute(update, {"id": rule_id, "integration_id": integration_id})


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.drop_constraint(op.f(FOREIGN_KEY), type_="foreignkey")
        batch_op.drop_column("integration_id")
