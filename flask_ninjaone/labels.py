"""How pages name host tickets and assets: by the host's own labels ("#42", "NW-LT-0012"), never by
the internal ids the extension stores (a UUID host's ``e98be8b3-…`` means nothing to a technician).

Labels come from the adapter's batch hooks (:meth:`HostAdapter.ticket_labels`,
:meth:`HostAdapter.asset_labels`), asked once per page for every id the page shows, so a page of 50
alerts is one call per kind, not 50. What the host answers is checked like any outside input: a
label that is not a short printable string, or an id it did not answer for, falls back to the
default label, so one odd row never breaks a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .host import default_asset_label, default_ticket_label
from .state import get_state

#: Longest label shown; longer ones are cut with an ellipsis (a label is a name, not a description).
MAX_LABEL = 80


def clean_label(value: object) -> str | None:
    """A label as pages show it: one line, printable, at most :data:`MAX_LABEL` characters; else ``None``."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or not text.isprintable():
        return None
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _ids(values: Iterable[object]) -> list[str]:
    """Distinct non-empty ids as strings, in first-seen order."""
    return list(dict.fromkeys(str(value) for value in values if value not in (None, "")))


def _ask(hook: Callable[[str, Sequence[str]], object], tenant_id: str, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    answer = hook(tenant_id, ids)
    if not isinstance(answer, dict):
        return {}
    wanted = set(ids)
    return {key: label for key, value in answer.items() if key in wanted and (label := clean_label(value))}


@dataclass(frozen=True)
class Labels:
    """The labels of one page; ``ticket(id)`` / ``asset(id)`` work for any id (default otherwise)."""

    tickets: dict[str, str] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)

    def ticket(self, ticket_id: object) -> str:
        key = str(ticket_id)
        return self.tickets.get(key) or default_ticket_label(key)

    def asset(self, asset_id: object) -> str:
        key = str(asset_id)
        return self.assets.get(key) or default_asset_label(key)


def labels_for(
    tenant_id: str, *, ticket_ids: Iterable[object] = (), asset_ids: Iterable[object] = ()
) -> Labels:
    """One adapter call per kind for all ids a page shows."""
    host = get_state().host
    return Labels(
        tickets=_ask(host.ticket_labels, tenant_id, _ids(ticket_ids)),
        assets=_ask(host.asset_labels, tenant_id, _ids(asset_ids)),
    )
