"""The unit-of-work helpers: all of a block's writes commit together, or none of them do; a domain
function's refusal rolls back what it started."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.models import AuditEntry
from flask_ninjaone.unit_of_work import rolls_back_on, unit_of_work
from sample_host.database import db


def _actions() -> list[str]:
    db.session.expunge_all()
    return sorted(entry.action for entry in db.session.scalars(select(AuditEntry)))


def test_a_block_that_ends_commits_its_writes(app):
    with tenant_scope("1"):
        with unit_of_work(db.session) as session:
            session.add(AuditEntry(action="one"))
            session.add(AuditEntry(action="two"))
        db.session.rollback()  # nothing pending is left to lose: the block committed
        assert _actions() == ["one", "two"]


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt()])
def test_a_block_that_raises_writes_nothing_and_reraises(app, error):
    """``BaseException`` too: a job timeout or an interrupt must not leave half a change pending."""
    with tenant_scope("1"):
        with pytest.raises(type(error)), unit_of_work(db.session) as session:
            session.add(AuditEntry(action="half"))
            session.flush()
            raise error
        db.session.commit()  # what the next unit of work would commit
        assert _actions() == []


def test_returning_from_the_block_commits(app):
    def act() -> str:
        with unit_of_work(db.session) as session:
            session.add(AuditEntry(action="early"))
            return "done"

    with tenant_scope("1"):
        assert act() == "done"
        db.session.rollback()
        assert _actions() == ["early"]


class Refused(ValueError):
    pass


@rolls_back_on(Refused)
def _change(session, action: str, *, refuse: BaseException | None = None) -> str:
    """Writes, then refuses (or not) without committing: what a domain function's caller sees."""
    session.add(AuditEntry(action=action))
    session.flush()
    if refuse is not None:
        raise refuse
    return action


def test_a_refusal_rolls_back_what_the_function_started(app):
    """The pages used to roll back after a refusal themselves; a page that forgot would have left the
    half change for the next commit (audit.record, say) to write."""
    with tenant_scope("1"):
        with pytest.raises(Refused):
            _change(db.session, "refused", refuse=Refused("no"))
        db.session.commit()  # the next unit of work
        assert _actions() == []


def test_other_errors_and_success_leave_the_session_to_the_caller(app):
    with tenant_scope("1"):
        assert _change(db.session, "kept") == "kept"
        with pytest.raises(KeyError):
            _change(db.session, "pending", refuse=KeyError("not a refusal"))
        db.session.commit()
        assert _actions() == ["kept", "pending"]
