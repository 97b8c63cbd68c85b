"""ninjaone instance names: several NinjaOne instances per tenant (issue 22).

Adds ``ninjaone_integrations.name``, unique per tenant: what ``--instance NAME`` and the settings list
call an instance. Existing rows are named as new ones are (their region key, else the host and port
of their URL), with a numeric suffix where two rows of one tenant would share a name.

Revision ID: 0017_instances_names
Revises: 0016_warranty_billing
Create Date: 2026-12-07

"""

from collections.abc import Sequence
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017_instances_names"
down_revision: str | Sequence[str] | None = "0016_warranty_billing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ninjaone_integrations"
NAME_LENGTH = 64


def _names() -> list[tuple[int, str]]:
    """``(id, name)`` for every row: a migration keeps its own copy of the naming rule (the model's
    may change later; this revision must name rows as it did when it ran)."""
    rows = op.get_bind().execute(sa.text(f"SELECT id, tenant_id, region, base_url FROM {TABLE} ORDER BY id"))
    taken: set[tuple[str, str]] = set()
    named = []
    for row_id, tenant_id, region, base_url in rows:
        base = (region or urlsplit(base_url).netloc or base_url)[:NAME_LENGTH]
        name, suffix = base, 2
        while (tenant_id, name) in taken:
            name = f"{base[: NAME_LENGTH - 1 - len(str(suffix))]}-{suffix}"
            suffix += 1
        taken.add((tenant_id, name))
        named.append((row_id, name))
    return named


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=NAME_LENGTH), nullable=True))
    update = sa.text(f"UPDATE {TABLE} SET name = :name WHERE id = :id")
    for row_id, name in _names():
        op.get_bind().execute(update, {"id": row_id, "name": name})
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=NAME_LENGTH), nullable=False)
        batch_op.create_unique_constraint(op.f(f"uq_{TABLE}_tenant_id_name"), ["tenant_id", "name"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.drop_constraint(op.f(f"uq_{TABLE}_tenant_id_name"), type_="unique")
        batch_op.drop_column("name")
