"""Automatic tenant scoping of the extension's ORM queries, failing closed.

Every extension table carries a ``tenant_id``. A ``do_orm_execute`` hook adds
``tenant_id = <bound tenant>`` to every ORM SELECT/UPDATE/DELETE touching those tables (including
relationship loads and joins), and a ``before_flush`` hook stamps or checks the tenant of every new
or changed row. When no tenant is bound the query raises :class:`TenantScopeError` instead of
returning everyone's rows: a forgotten scope is a crash in development, not a data leak in
production. Jobs that must see every tenant (the scheduler, the webhook sweeper) say so explicitly
with :func:`system_scope`.

The tenant is bound once, at the edge: :func:`tenant_scope` at the start of a job or CLI command, and
in a request by :func:`bind_request_tenant` when it starts (or, if the host's user was not known yet
then, by the first :func:`current_tenant_id`, which every route's access check and every template
global call before anything else), which asks the host adapter once and keeps the answer for the
request. The hooks only *read* the binding: they never call the host, because a host
adapter that looks the tenant up with a query of its own would then run it while SQLAlchemy is in the
middle of executing or flushing another statement (the sample host had to avoid a relationship load in
``current_tenant`` for that reason). A query before the request's tenant is bound fails closed.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from typing import TypeVar

from flask import has_request_context, request
from sqlalchemy import String, event, select
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables

from .state import get_state

_tenant: contextvars.ContextVar[str | None] = contextvars.ContextVar("ninjaone_tenant", default=None)
T = TypeVar("T")
_system: contextvars.ContextVar[bool] = contextvars.ContextVar("ninjaone_system", default=False)
#: Where a request keeps its tenant id once :func:`current_tenant_id` asked the host (``None``: anonymous).
#: The request's WSGI environ, not ``g``: ``g`` belongs to the app context, which a request shares with
#: an app context already pushed (a test, a host's own code), so a tenant kept there outlived its request.
_REQUEST_TENANT = "ninjaone.tenant_id"


class TenantScopeError(RuntimeError):
    """A query or write on extension tables happened with no tenant bound (or across tenants)."""


class TenantScoped:
    """Mixin of every mapped class whose rows belong to one tenant; its column leads every key."""

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)


@contextlib.contextmanager
def tenant_scope(tenant_id: str) -> Iterator[str]:
    """Bind ``tenant_id`` for the duration of the block (jobs, CLI commands, tests).

    It also ends a surrounding :func:`system_scope` for the block: a tenant's job run inline from a
    system job (the scheduler tick without Redis) must see that tenant's rows only, and stamp its
    new rows with that tenant, never another tenant's rows read across the system scope.
    """
    if not tenant_id:
        raise TenantScopeError("tenant_scope() needs a tenant id")
    token, system = _tenant.set(str(tenant_id)), _system.set(False)
    try:
        yield str(tenant_id)
    finally:
        _system.reset(system)
        _tenant.reset(token)


@contextlib.contextmanager
def system_scope() -> Iterator[None]:
    """Allow queries across all tenants; only for jobs that must iterate every tenant."""
    token = _system.set(True)
    try:
        yield
    finally:
        _system.reset(token)


def current_tenant_id() -> str | None:
    """The bound tenant: an explicit :func:`tenant_scope`, else the request user's tenant.

    In a request the first call binds the tenant: it asks the host adapter (once per request) and
    keeps the answer. Call it at the edge, before any query — the ORM hooks read the binding only.
    """
    bound = _tenant.get()
    if bound is not None:
        return bound
    if has_request_context():
        environ = request.environ
        if _REQUEST_TENANT not in environ:
            tenant = get_state().host.current_tenant()
            environ[_REQUEST_TENANT] = tenant.id if tenant else None
        return environ[_REQUEST_TENANT]
    return None


def bind_request_tenant() -> None:
    """Bind the request user's tenant at the start of the request (the extension's ``before_request``).

    Host code may call the extension's functions (``asset_ids_matching``, the template globals) before
    anything asked for the tenant, and the ORM hooks will not ask the host themselves. A request
    whose host says "nobody" here is left unbound rather than bound to ``None``: a host that
    authenticates in a ``before_request`` of its own registered after the extension has not done so
    yet, and :func:`current_tenant_id` asks again when first used.
    """
    if _tenant.get() is None and _REQUEST_TENANT not in request.environ:
        tenant = get_state().host.current_tenant()
        if tenant is not None:
            request.environ[_REQUEST_TENANT] = tenant.id


def _bound_tenant_id() -> str | None:
    """What the ORM hooks read: the tenant bound so far, never asking the host."""
    bound = _tenant.get()
    if bound is not None or not has_request_context():
        return bound
    return request.environ.get(_REQUEST_TENANT)


_UNBOUND = (
    "No tenant bound: use tenant_scope() or system_scope() (in a request, current_tenant_id() binds the "
    "user's tenant and must run before the first query)"
)


def require_tenant_id() -> str:
    """The bound tenant id, or :class:`TenantScopeError` when there is none."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError(_UNBOUND)
    return tenant_id


@functools.cache
def _scoped_tables() -> frozenset[str]:
    """Names of the tenant-scoped tables, computed once: every scoped model is defined by the time the
    first query runs (importing the package imports :mod:`flask_ninjaone.models`)."""
    return frozenset(cls.__table__.name for cls in TenantScoped.__subclasses__() if hasattr(cls, "__table__"))


def _touches_scoped(state: ORMExecuteState) -> bool:
    """True when any table of the statement (FROM, joins, subqueries) is tenant scoped.

    Checking tables rather than the selected entities also catches ``select(func.count())
    .select_from(Model)`` and column-only selects, which name no entity.
    """
    if any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers):
        return True
    scoped = _scoped_tables()
    statement = state.statement
    assert isinstance(statement, ClauseElement)  # every ORM statement is one (select, update, delete)
    return any(table.name in scoped for table in find_tables(statement, include_joins=True))


def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete) or _system.get():
        return
    if not _touches_scoped(state):
        return
    tenant_id = _bound_tenant_id()
    if tenant_id is None:
        raise TenantScopeError(_UNBOUND)
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


def _stamp_tenant(session: Session, _flush_context: object, _instances: object) -> None:
    scoped_new = [obj for obj in session.new if isinstance(obj, TenantScoped)]
    scoped_dirty = [obj for obj in session.dirty if isinstance(obj, TenantScoped)]
    if not scoped_new and not scoped_dirty:
        return
    tenant_id = _bound_tenant_id()
    if tenant_id is None and not _system.get():
        raise TenantScopeError("Writing NinjaOne rows with no tenant bound")
    for obj in scoped_new:
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantScopeError(f"{type(obj).__name__} has no tenant_id")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant")
    if tenant_id is not None:
        for obj in scoped_dirty:
            if obj.tenant_id != tenant_id:
                raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant")


def install() -> None:
    """Register the hooks on every SQLAlchemy session once (they only act on extension tables)."""
    if not event.contains(Session, "do_orm_execute", _scope_statement):
        event.listen(Session, "do_orm_execute", _scope_statement)
        event.listen(Session, "before_flush", _stamp_tenant)


def get_scoped(session: Session, model: type[T], pk: object) -> T | None:
    """``session.get`` that cannot leak: the identity map is bypassed, the tenant filter applies.

    ``Session.get`` answers from the identity map without running a query, so an object another
    tenant's code loaded into the same session would be returned as is. A SELECT always goes through
    the tenant criteria.
    """
    mapper_pk = model.__mapper__.primary_key  # type: ignore[attr-defined]  # T is any mapped class
    if len(mapper_pk) != 1:
        raise TypeError(f"{model.__name__} has a composite primary key")
    return session.scalars(select(model).where(mapper_pk[0] == pk)).one_or_none()
