"""Flash messages that link to what they name ("Ticket #12 created.", "Rule “Servers” saved."), so the
next click is on the thing just made rather than a search for it."""

from __future__ import annotations

from flask import flash
from markupsafe import Markup


def flash_linked(message: str, label: str, url: str | None, category: str = "success") -> None:
    """Flash ``message`` with ``{}`` replaced by ``label``, a link to ``url`` when there is one.

    The message is a template of ours; the label (a ticket or rule name from the host or a user) is
    escaped. ``Markup`` survives the session's tagged JSON, so the host's layout renders the link
    as long as it prints flashes with ``{{ message }}`` (autoescaping keeps Markup as it is).
    """
    text = Markup('<a href="{}">{}</a>').format(url, label) if url else label
    flash(Markup.escape(message).format(text), category)
