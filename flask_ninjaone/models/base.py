"""Declarative base of the extension's tables: own metadata, ``ninjaone_`` prefix, tenant first.

The extension keeps its own :class:`MetaData` (not the host's ``db.Model``) so the host's
autogenerate never sees our tables and ours never sees the host's; queries still go through the
host's Flask-SQLAlchemy session and engine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from ..tenancy import TenantScoped

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp the extension stores is UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetime column: SQLite drops tzinfo, so reads put UTC back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: the extension stores UTC-aware timestamps only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base of every extension model."""

    metadata = metadata


def table_of(model: type[Base]) -> Table:
    """The ``Table`` of ``model``, for Core statements that bypass the ORM's per-row work.

    ``__table__`` is declared as any ``FromClause`` (a class may map a join or a subquery); every
    extension model maps one table, which this checks.
    """
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} does not map a single table")
    return table


#: The tenant column every extension table leads its keys with (see :mod:`..tenancy`).
TenantMixin = TenantScoped
