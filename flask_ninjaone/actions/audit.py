"""The audit of device actions: every action of the tenant, filtered, paged, or exported as CSV.

Filters come from a query string (the audit page, its CSV link) or CLI options, and each is checked
before anything is read: a value that is not one of the choices, a date that is not a date, or a
range that ends before it starts is an :class:`AuditFilterError` naming every bad value, and the page
shows that message and no rows. Dropping a bad filter silently (what the alerts panel does) would be
wrong here: an audit that quietly shows *more* than was asked for reads as an answer to the question
asked.

Dates are whole days in UTC: ``from`` is the first day included, ``to`` the last. Rows come newest
first (``requested_at``, then id), the order a person auditing "what happened" reads in; the CSV
streams the same filtered set in the same order without loading it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select, text
from sqlalchemy.orm import Session

from ..models import ActionKind, ActionState, DeviceAction
from .inputs import describe
from .windows import KEY_PREFIX as WINDOW_KEY_PREFIX

PAGE_SIZE = 50
#: Highest page number accepted (50 000 actions deep): a bigger number is a typo or a probe.
MAX_PAGE = 1000
MAX_SEARCH = 100
#: The ``technician`` value naming actions no person started (the CLI, maintenance windows).
OPERATOR = "operator"
OPERATOR_NAME = "Operator (command line)"
CSV_HEADER = (
    "Requested at",
    "Requested by",
    "Device",
    "NinjaOne device id",
    "Asset id",
    "Action",
    "Parameters",
    "State",
    "Result",
    "API calls",
    "Attempts",
    "Sent at",
    "Finished at",
    "Ticket id",
)
_DIGITS = 18


class AuditFilterError(ValueError):
    """One or more filter values are wrong; ``messages`` says which and what is expected."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class AuditFilters:
    """Checked filters; empty ones (``None``/``""``) do not filter."""

    state: str | None = None
    kind: str | None = None
    technician: str | None = None
    search: str = ""
    since: date | None = None
    until: date | None = None
    #: Only this instance's actions (``flask ninjaone actions --instance``).
    integration_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> AuditFilters:
        """From a query string (``state``, ``kind``, ``technician``, ``q``, ``from``, ``to``)."""
        messages: list[str] = []
        state = _choice(args.get("state"), [str(state) for state in ActionState], "state", messages)
        kind = _choice(args.get("kind"), [str(kind) for kind in ActionKind], "kind", messages)
        technician = _text(args.get("technician"), 64, "technician", messages)
        search = _text(args.get("q"), MAX_SEARCH, "device or asset search", messages) or ""
        since = _day(args.get("from"), "from", messages)
        until = _day(args.get("to"), "to", messages)
        if since and until and until < since:
            messages.append("The date range ends before it starts: 'to' must be on or after 'from'.")
        if messages:
            raise AuditFilterError(messages)
        return cls(state=state, kind=kind, technician=technician, search=search, since=since, until=until)

    def as_args(self) -> dict[str, str]:
        """The query string naming these filters (for pager and CSV links)."""
        values = {
            "state": self.state,
            "kind": self.kind,
            "technician": self.technician,
            "q": self.search,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }
        return {name: value for name, value in values.items() if value}

    @property
    def any(self) -> bool:
        return bool(self.as_args())


def _choice(value: Any, allowed: list[str], name: str, messages: list[str]) -> str | None:
    text_value = _text(value, 32, name, messages)
    if text_value and text_value not in allowed:
        messages.append(f"Unknown {name} {text_value[:40]!r}: expected one of {', '.join(allowed)}.")
        return None
    return text_value


def _text(value: Any, limit: int, name: str, messages: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        messages.append(f"The {name} filter must be text.")
        return None
    stripped = value.strip()
    if len(stripped) > limit or not stripped.isprintable():
        messages.append(f"The {name} filter is too long or not printable (at most {limit} characters).")
        return None
    return stripped or None


def _day(value: Any, name: str, messages: list[str]) -> date | None:
    raw = _text(value, 10, f"'{name}' date", messages)
    if raw is None:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        messages.append(f"The '{name}' date {raw!r} is not a date: use YYYY-MM-DD.")
        return None


def parse_day(value: str, name: str) -> date:
    """One date as the CLI takes it (``--since``), or :class:`AuditFilterError`."""
    messages: list[str] = []
    day = _day(value, name, messages)
    if messages or day is None:
        raise AuditFilterError(messages or [f"The '{name}' date is required."])
    return day


def parse_page(value: Any) -> int:
    """The ``page`` argument (1 when absent), or :class:`AuditFilterError`."""
    if value in (None, ""):
        return 1
    digits = isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 6
    if digits and 1 <= int(value) <= MAX_PAGE:
        return int(value)
    raise AuditFilterError([f"The page must be a number from 1 to {MAX_PAGE}."])


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def recent_actions(session: Session, filters: AuditFilters, limit: int) -> list[DeviceAction]:
    """The newest ``limit`` actions matching ``filters`` (``flask ninjaone actions``)."""
    return list(session.scalars(audit_query(filters).limit(limit)))


def audit_query(filters: AuditFilters) -> Select[DeviceAction]:
    """The bound tenant's actions matching ``filters``, newest first (tenant scoping is automatic)."""
    query = select(DeviceAction)
    if filters.integration_id is not None:
        query = query.where(DeviceAction.integration_id == filters.integration_id)
    if filters.state:
        query = query.where(DeviceAction.state == filters.state)
    if filters.kind:
        query = query.where(DeviceAction.kind == filters.kind)
    if filters.technician == OPERATOR:
        query = query.where(DeviceAction.requested_by_id.is_(None))
    elif filters.technician:
        query = query.where(DeviceAction.requested_by_id == filters.technician)
    if filters.search:
        term = filters.search
        matches = [
            func.lower(DeviceAction.device_name).contains(term.lower(), autoescape=True),
            DeviceAction.host_asset_id == term,
        ]
        if term.isascii() and term.isdigit() and len(term) <= _DIGITS:
            matches.append(DeviceAction.device_id == int(term))
        query = query.where(or_(*matches))
    if filters.since:
        query = query.where(DeviceAction.requested_at >= _start_of(filters.since))
    if filters.until:
        query = query.where(DeviceAction.requested_at < _start_of(filters.until) + timedelta(days=1))
    return query.order_by(DeviceAction.requested_at.desc(), DeviceAction.id.desc())


@dataclass(frozen=True)
class AuditPage:
    actions: list[DeviceAction]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def audit_page(session: Session, filters: AuditFilters, page: int = 1) -> AuditPage:
    """One page of the filtered actions and how many match in all."""
    query = audit_query(filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return AuditPage(list(rows), total, page)


def technicians(session: Session) -> list[tuple[str, str]]:
    """Who started the tenant's actions, as ``technician`` filter choices ``(value, name)``, by name;
    the operator (CLI) among them when any action has no requesting user."""
    rows = session.execute(
        select(DeviceAction.requested_by_id, func.max(DeviceAction.requested_by_name))
        .group_by(DeviceAction.requested_by_id)
    ).all()  # fmt: skip
    choices = [(str(user_id), name or str(user_id)) for user_id, name in rows if user_id is not None]
    choices.sort(key=lambda choice: choice[1].lower())
    if any(user_id is None for user_id, _ in rows):
        choices.append((OPERATOR, "No person (command line, maintenance windows)"))
    return choices


def requester(action: DeviceAction) -> str:
    """Who asked: the person, else what started it without one (a maintenance window, the CLI)."""
    if action.requested_by_name:
        return action.requested_by_name
    return "Maintenance window" if action.action_key.startswith(WINDOW_KEY_PREFIX) else OPERATOR_NAME


def parameters_text(parameters: Mapping[str, Any]) -> str:
    """The parameters as one line (they never hold secrets: :mod:`.inputs` refuses those)."""
    return json.dumps(parameters, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def csv_rows(session: Session, filters: AuditFilters) -> Iterator[tuple[Any, ...]]:
    """Every filtered action as a CSV row (:data:`CSV_HEADER`), streamed from the database."""
    if session.get_bind().dialect.name == "postgresql":
        # A streamed result is a server-side cursor, planned for its first rows unless told otherwise.
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1"))
    for action in session.scalars(audit_query(filters).execution_options(yield_per=1000)):
        yield (
            action.requested_at,
            requester(action),
            action.device_name,
            action.device_id,
            action.host_asset_id,
            describe(action.kind, action.parameters),
            parameters_text(action.parameters),
            action.state,
            action.result,
            action.api_calls,
            action.attempts,
            action.sent_at,
            action.finished_at,
            action.ticket_id,
        )
