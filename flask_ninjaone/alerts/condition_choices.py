"""What the rule form offers to pick as "conditions": the catalog's condition codes plus the
conditions actually seen in this tenant's alerts, each with how many alerts it raised.

A rule's ``conditions`` list matches an alert's condition uid (``sourceConfigUid``), its source or
condition name, or its message code (:meth:`.rules.AlertFacts.condition_keys`). People do not know
those by heart, so the form lists what NinjaOne has actually sent. Only the newest alerts are
counted: the list is for picking, not for statistics, and a page must not scan a tenant's history.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Alert
from .catalog import CONDITION_CODES

#: How many of the newest alerts are counted.
SCAN_LIMIT = 2000


@dataclass(frozen=True)
class ConditionChoice:
    """One pickable condition: the value stored in the rule, a label, and how many alerts it raised."""

    value: str
    label: str
    count: int = 0
    group: str = "Kinds of condition"

    @property
    def text(self) -> str:
        seen = f" — {self.count} alert{'s' if self.count != 1 else ''}" if self.count else ""
        return f"{self.label}{seen}"


def _message_code(payload: object) -> str | None:
    data = payload.get("data") if isinstance(payload, dict) else None
    message = data.get("message") if isinstance(data, dict) else None
    code = message.get("code") if isinstance(message, dict) else None
    return code if isinstance(code, str) and code.strip() else None


def condition_choices(session: Session) -> list[ConditionChoice]:
    """Catalog codes and seen codes first (by count), then the seen conditions by uid (by count)."""
    rows = session.execute(
        select(Alert.source_config_uid, Alert.source_name, Alert.message, Alert.payload)
        .order_by(Alert.id.desc())
        .limit(SCAN_LIMIT)
    )
    codes: Counter[str] = Counter()
    uids: Counter[str] = Counter()
    uid_names: dict[str, str] = {}
    for uid, source_name, message, payload in rows:
        if code := _message_code(payload):
            codes[code] += 1
        if uid:
            uids[uid] += 1
            name = (source_name or "").strip("_ ")
            name = name if len(name) > 3 else (message or "").strip()  # "C:", "_average_" are not names
            uid_names.setdefault(uid, name[:80] or "condition")
    kinds = [
        ConditionChoice(code, f"{CONDITION_CODES.get(code, code)} ({code})", codes[code])
        for code in sorted({*CONDITION_CODES, *codes}, key=lambda code: (-codes[code], code))
    ]
    seen = [
        ConditionChoice(uid, f"{uid_names[uid]} (condition {uid[:8]}…)", count, "Conditions of your policies")
        for uid, count in uids.most_common()
    ]
    return [*kinds, *seen]
