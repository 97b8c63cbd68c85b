"""Adoption by serial across instances asks (issue 22): "the same machine seen by both?"

A new device of one instance whose serial number is that of an asset a live device of another of the
tenant's instances already feeds may be one machine watched twice (an agent left behind after a move,
two regions during a migration) or two machines with a cloned or vendor-default serial. Only the admin
knows, so the sync neither merges silently nor duplicates silently: it holds the device (no asset, no
mirror row) and records an :class:`~flask_ninjaone.models.AdoptionQuestion`. The answer is kept, and
every later sync follows it:

* ``link``: the device joins that asset. One asset is then fed by one device of each instance: each
  instance's pages show their own device for it, alerts of either open tickets on it, both syncs write
  it (the last change wins), and it stays active while either device lives.
* ``separate``: the device gets its own asset, as any new device.

A match by NinjaOne device id across instances is never a question: ids are numbered per instance, so
another instance's device 5 is another machine (the device gets its own asset, as before). An answer
is about one asset: when the twin's asset changes, the question is asked again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..bulk import in_values
from ..host import UserRef
from ..models import AdoptionAnswer, AdoptionQuestion, Device, Integration
from ..models.base import utcnow


class AdoptionError(ValueError):
    """An answer that cannot be taken; the message is for the admin (page or CLI)."""


class UnknownDevice(AdoptionError):
    """The instance has neither that device nor a question about it (a made-up or another tenant's id)."""


class Decision(enum.Enum):
    """What the sync does with a new device whose serial is another instance's asset."""

    LINK = "link"  # adopt that asset
    SEPARATE = "separate"  # create its own asset
    ASK = "ask"  # hold it: the question is open


@dataclass(frozen=True)
class NewDevice:
    """A device the page is about to create an asset for."""

    device_id: int
    name: str
    serial_number: str | None


@dataclass(frozen=True)
class Twin:
    """The live, linked device of another instance with the same serial."""

    integration_id: int
    device_id: int
    name: str
    host_asset_id: str


def decide(
    session: Session, integration: Integration, devices: Sequence[NewDevice]
) -> dict[int, tuple[Decision, str]]:
    """For each of ``devices`` whose serial is that of another instance's linked device: what to do
    and the asset concerned, by device id (devices without such a twin are absent). Open questions
    are recorded (or re-asked when the asset changed); the caller commits them with its page."""
    twins = _serial_twins(session, integration, {d.serial_number for d in devices if d.serial_number})
    concerned = [d for d in devices if d.serial_number in twins]
    if not concerned:
        return {}
    known = {
        row.device_id: row
        for row in session.scalars(
            select(AdoptionQuestion).where(
                AdoptionQuestion.integration_id == integration.id,
                in_values(AdoptionQuestion.device_id, [d.device_id for d in concerned]),
            )
        )
    }
    decisions: dict[int, tuple[Decision, str]] = {}
    for device in concerned:
        twin = twins[device.serial_number or ""]
        question = known.get(device.device_id)
        if question is not None and question.host_asset_id == twin.host_asset_id and question.answer:
            decisions[device.device_id] = (Decision(question.answer), twin.host_asset_id)
            continue
        if question is None:
            question = AdoptionQuestion(integration_id=integration.id, device_id=device.device_id)
            session.add(question)
        question.device_name = device.name[:255]
        question.serial_number = (device.serial_number or "")[:255]
        question.host_asset_id = twin.host_asset_id
        question.owner_integration_id = twin.integration_id
        question.owner_device_id = twin.device_id
        question.owner_device_name = twin.name[:255]
        question.answer = question.answered_at = question.answered_by = None
        question.asked_at = utcnow()
        decisions[device.device_id] = (Decision.ASK, twin.host_asset_id)
    return decisions


def _serial_twins(session: Session, integration: Integration, serials: Iterable[str]) -> dict[str, Twin]:
    """Live linked devices of the tenant's other instances carrying these serials (the oldest each)."""
    serials = set(serials)
    if not serials:
        return {}
    rows = session.execute(
        select(
            Device.serial_number, Device.integration_id, Device.device_id, Device.name, Device.host_asset_id
        )
        .where(
            Device.integration_id != integration.id,
            Device.retired.is_(False),
            Device.host_asset_id.is_not(None),
            in_values(Device.serial_number, serials),
        )
        .order_by(Device.id)
    )
    twins: dict[str, Twin] = {}
    for serial, integration_id, device_id, name, host_asset_id in rows:
        if serial and host_asset_id:  # both filtered above; the columns are nullable
            twins.setdefault(serial, Twin(integration_id, device_id, name, host_asset_id))
    return twins


def questions(
    session: Session, integration: Integration, *, open_only: bool = True
) -> list[AdoptionQuestion]:
    """The instance's adoption questions, oldest first (open ones only, by default)."""
    query = select(AdoptionQuestion).where(AdoptionQuestion.integration_id == integration.id)
    if open_only:
        query = query.where(AdoptionQuestion.answer.is_(None))
    return list(session.scalars(query.order_by(AdoptionQuestion.asked_at, AdoptionQuestion.id)))


def answer(
    session: Session,
    integration: Integration,
    device_id: int,
    given: str,
    *,
    actor: UserRef | None,
    remote_addr: str | None = None,
) -> AdoptionQuestion:
    """Answer (or change the answer to) the question about ``integration``'s device ``device_id``:
    ``link`` or ``separate``. Audited and committed; the next sync of the instance follows it."""
    try:
        choice = AdoptionAnswer(given)
    except ValueError:
        raise AdoptionError("Answer link (the same machine) or separate (two machines).") from None
    question = session.scalar(
        select(AdoptionQuestion).where(
            AdoptionQuestion.integration_id == integration.id, AdoptionQuestion.device_id == device_id
        )
    )
    if question is None:
        mirrored = select(Device.id).where(
            Device.integration_id == integration.id, Device.device_id == device_id
        )
        if session.scalar(mirrored) is None:
            raise UnknownDevice(f"The NinjaOne instance {integration.name!r} has no device {device_id}.")
        raise AdoptionError(
            f"No adoption question about device {device_id} of the NinjaOne instance {integration.name!r}."
        )
    question.answer = choice
    question.answered_at = utcnow()
    question.answered_by = actor.name if actor else "an operator (CLI)"
    audit.record_for_integration(
        session, integration.id, "adoption_answered", user=actor, remote_addr=remote_addr,
        detail={"device_id": device_id, "host_asset_id": question.host_asset_id, "answer": str(choice),
                "owner_integration_id": question.owner_integration_id},
    )  # fmt: skip
    session.commit()
    return question


def question_rows(
    session: Session, integration: Integration, *, open_only: bool = True
) -> list[dict[str, Any]]:
    """The instance's questions as plain rows (the sync page and ``flask ninjaone adoption list``),
    naming the instance whose device feeds the asset."""
    names: dict[int, str] = {
        row.id: row.name for row in session.execute(select(Integration.id, Integration.name))
    }
    return [
        {
            "device_id": row.device_id,
            "device_name": row.device_name,
            "serial_number": row.serial_number,
            "host_asset_id": row.host_asset_id,
            "owner_instance": names.get(row.owner_integration_id, str(row.owner_integration_id)),
            "owner_device_id": row.owner_device_id,
            "owner_device_name": row.owner_device_name,
            "answer": row.answer,
            "asked_at": row.asked_at.isoformat(),
            "answered_by": row.answered_by,
        }
        for row in questions(session, integration, open_only=open_only)
    ]
