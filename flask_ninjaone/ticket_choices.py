"""The values the host lists for ticket fields (boards, priority labels), for the rule form's pickers.

Asked through the optional :meth:`HostAdapter.ticket_field_choices` hook and checked like any
outside input: entries that are not :class:`FieldChoice` with a short value and a printable label are
dropped, duplicates too, and a field the host does not list keeps the form's default (free text for
the board). Priority values outside the four a :class:`TicketDraft` accepts are ignored.
"""

from __future__ import annotations

from .alerts.catalog import TICKET_PRIORITIES
from .host import TICKET_CHOICE_FIELDS, FieldChoice
from .labels import clean_label
from .state import get_state

#: Most values a field's picker lists; a board list longer than this is not a picker any more.
MAX_CHOICES = 200
#: Longest value stored in a rule (the rule schema's limit for a board).
MAX_VALUE = 64


def checked_choices(answer: object, field: str = "") -> list[FieldChoice]:
    """A host's list of choices with what is no choice dropped (see the module doc); also used for
    the host's asset types. ``field="priority"`` keeps the four draft priorities only."""
    if not isinstance(answer, list | tuple):
        return []
    choices: dict[str, FieldChoice] = {}
    for entry in answer[: MAX_CHOICES * 2]:
        if not isinstance(entry, FieldChoice) or not isinstance(entry.value, str):
            continue
        value = entry.value.strip()
        label = clean_label(entry.label) or value
        if not value or len(value) > MAX_VALUE or not value.isprintable():
            continue
        if field == "priority" and value not in TICKET_PRIORITIES:
            continue
        choices.setdefault(value, FieldChoice(value, label))
    return list(choices.values())[:MAX_CHOICES]


def ticket_field_choices(tenant_id: str) -> dict[str, list[FieldChoice]]:
    """Field → the host's choices, for the fields it lists (one hook call per field)."""
    host = get_state().host
    found = {
        field: checked_choices(host.ticket_field_choices(tenant_id, field), field)
        for field in TICKET_CHOICE_FIELDS
    }
    return {field: choices for field, choices in found.items() if choices}
