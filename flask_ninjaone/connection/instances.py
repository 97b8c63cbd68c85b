"""A tenant's NinjaOne instances, side by side (issue 22): listing, choosing one by id or name, naming,
and the per-tenant limit.

An MSP that bought another MSP, or runs NinjaOne in two regions, has two instances. Each is its own
integration row keyed by tenant and base URL, and each instance numbers its devices, organizations,
alerts and activities on its own (see :mod:`.instance_change`), so nothing may ever pick "the tenant's
integration" when there are several: a page, command or job names the instance it means, and a lookup
without one is refused as ambiguous instead of silently taking the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..config import setting
from ..host import UserRef
from ..models import ConnectionStatus, Device, Integration
from ..models.integration import NAME_LENGTH, default_instance_name
from ..query_filters import parse_id
from .instance_change import drop_id_scoped_alert_settings, retire_integration


class InstanceError(LookupError):
    """No instance fits what was asked; the message is for the admin (page or CLI)."""


class AmbiguousInstance(InstanceError):
    """The tenant has several instances and the caller did not say which one."""


def tenant_instances(session: Session) -> list[Integration]:
    """The bound tenant's live (non-retired) instances, oldest first: the order every listing uses."""
    return list(
        session.scalars(select(Integration).where(Integration.retired_at.is_(None)).order_by(Integration.id))
    )


def describe(instances: list[Integration]) -> str:
    """``name (id N, URL)`` for each instance, to tell the admin what ``--instance`` accepts."""
    return ", ".join(f"{row.name} (id {row.id}, {row.base_url})" for row in instances)


def instance_for(session: Session, ref: str | int | None) -> Integration | None:
    """The bound tenant's live instance named by ``ref`` (its id or its name, case-insensitively).

    Without ``ref``: the tenant's only instance, ``None`` when it has none, :class:`AmbiguousInstance`
    when it has several (the caller must say which). An unknown ``ref`` raises :class:`InstanceError`.
    An id wins over a name, so names that are digits are refused (:func:`check_name`).
    """
    instances = tenant_instances(session)
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        if len(instances) > 1:
            raise AmbiguousInstance(
                f"This tenant has {len(instances)} NinjaOne instances; say which one with --instance "
                f"NAME|ID: {describe(instances)}."
            )
        return instances[0] if instances else None
    wanted = str(ref).strip()
    for row in instances:
        if wanted.isdigit() and row.id == int(wanted):
            return row
    for row in instances:
        if row.name.casefold() == wanted.casefold():
            return row
    known = describe(instances) if instances else "none"
    raise InstanceError(f"No NinjaOne instance {wanted!r} in this tenant; its instances: {known}.")


def check_name(session: Session, name: str, *, keep: Integration | None = None) -> str:
    """``name`` cleaned, or :class:`InstanceError` saying why it cannot name an instance: empty, too
    long, not printable (a control character), only digits (it would read as an id) or already another
    instance's of this tenant (retired ones included: they keep their names for their history).
    ``keep`` is the instance being renamed."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InstanceError("Give the instance a name.")
    if len(cleaned) > NAME_LENGTH:
        raise InstanceError(f"An instance name has at most {NAME_LENGTH} characters.")
    if cleaned.isdigit():
        raise InstanceError("An instance name cannot be only digits (--instance reads those as an id).")
    if not cleaned.isprintable():  # a NUL byte, say: PostgreSQL text cannot even compare it
        raise InstanceError("An instance name has only printable characters (no control characters).")
    query = select(Integration.id).where(func.lower(Integration.name) == cleaned.lower())
    if keep is not None and keep.id is not None:
        query = query.where(Integration.id != keep.id)
    if session.scalar(query) is not None:
        raise InstanceError(f"This tenant already has a NinjaOne instance named {cleaned!r}.")
    return cleaned


def free_name(session: Session, region: str | None, base_url: str) -> str:
    """The default name of a new instance, with ``-2``, ``-3`` … when the tenant already uses it."""
    base = default_instance_name(region, base_url)
    taken = {name.lower() for name in session.scalars(select(Integration.name))}
    name, suffix = base, 2
    while name.lower() in taken:
        name = f"{base[: NAME_LENGTH - 1 - len(str(suffix))]}-{suffix}"
        suffix += 1
    return name


def check_room(session: Session) -> None:
    """Refuse one more instance when the tenant has ``NINJAONE_MAX_INSTANCES_PER_TENANT`` live ones."""
    limit = setting("NINJAONE_MAX_INSTANCES_PER_TENANT")
    if len(tenant_instances(session)) >= limit:
        raise InstanceError(
            f"This tenant already has {limit} NinjaOne instance(s), the most allowed "
            "(NINJAONE_MAX_INSTANCES_PER_TENANT): disconnect and remove one first."
        )


def live_instance_at(session: Session, base_url: str) -> Integration | None:
    """The tenant's live instance at ``base_url``: a second one there would share its ids."""
    return session.scalars(
        select(Integration).where(Integration.base_url == base_url, Integration.retired_at.is_(None))
    ).first()


def device_counts(session: Session) -> dict[int, int]:
    """Live devices per instance of the bound tenant, for the settings list."""
    rows = session.execute(
        select(Device.integration_id, func.count())
        .where(Device.retired.is_(False))
        .group_by(Device.integration_id)
    )
    return {integration_id: count for integration_id, count in rows}


#: The query-string argument of the fleet views (alerts, compliance, software, billing) naming one instance.
INSTANCE_ARG = "instance"


@dataclass(frozen=True)
class InstanceScope:
    """Which of the tenant's instances a fleet view reads: all of them (the default) or the one its
    ``instance`` filter names. Views show an instance column and filter only when :attr:`several`:
    a tenant with one instance sees the pages as before, without clutter."""

    #: The tenant's live instances, oldest first (the filter's choices).
    instances: tuple[Integration, ...]
    #: The instance the filter names; ``None`` = all of them.
    chosen: Integration | None = None

    @property
    def read(self) -> tuple[Integration, ...]:
        """The instances whose rows the view reads."""
        return (self.chosen,) if self.chosen is not None else self.instances

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.read]

    @property
    def several(self) -> bool:
        return len(self.instances) > 1

    @property
    def names(self) -> dict[int, str]:
        """Instance id → name, for the rows' instance column."""
        return {row.id: row.name for row in self.instances}

    @property
    def label(self) -> str:
        """What the view covers, in words (a CSV column, a heading)."""
        return self.chosen.name if self.chosen is not None else "All instances"

    def as_args(self) -> dict[str, int]:
        """The filter as query-string arguments (links, pager, CSV)."""
        return {INSTANCE_ARG: self.chosen.id} if self.chosen is not None else {}


def least_recent(moments: Sequence[datetime | None]) -> datetime | None:
    """The oldest of the instances' moments (their last sync, last inventory refresh): what a view over
    several instances rests on. ``None`` when any instance never did it (nor do the figures, then)."""
    known = [moment for moment in moments if moment is not None]
    return min(known) if known and len(known) == len(moments) else None


def instance_scope(session: Session, raw: str | None) -> InstanceScope:
    """The scope a fleet view's ``instance`` argument asks for: all live instances when it is absent
    or empty, else the live instance of the bound tenant with that id.

    Only an id is accepted (the filter is a select of ids). A value that is not a number, or not the
    id of one of this tenant's live instances (another tenant's included: tenancy hides it), raises
    :class:`InstanceError` so the page refuses it with a 400 instead of silently showing everything.
    """
    instances = tuple(tenant_instances(session))
    wanted = (raw or "").strip()
    if not wanted:
        return InstanceScope(instances)
    wanted_id = parse_id(wanted)
    if wanted_id is None:
        raise InstanceError(f"The instance filter must be an instance id (a number), not {wanted[:40]!r}.")
    chosen = next((row for row in instances if row.id == wanted_id), None)
    if chosen is None:
        raise InstanceError(f"No NinjaOne instance {wanted} in this workspace; choose one from the list.")
    return InstanceScope(instances, chosen)


def names_if_several(session: Session) -> dict[int, str]:
    """Instance id → name when the bound tenant has several live instances, else empty: a page names
    the instance a device comes from only when there is another to tell it from (no clutter)."""
    instances = tenant_instances(session)
    return {row.id: row.name for row in instances} if len(instances) > 1 else {}


def rename(
    session: Session,
    integration: Integration,
    name: str,
    *,
    actor: UserRef | None,
    remote_addr: str | None = None,
) -> str:
    """Give the instance another name (:func:`check_name` says whether it may), audited and committed.
    Ids, mappings and history are keyed by the row, not the name, so nothing else changes."""
    cleaned = check_name(session, name, keep=integration)
    previous = integration.name
    if cleaned != previous:
        integration.name = cleaned
        audit.record_for_integration(
            session, integration.id, "instance_renamed", user=actor, remote_addr=remote_addr,
            detail={"from": previous, "to": cleaned},
        )  # fmt: skip
        session.commit()
    return cleaned


@dataclass(frozen=True)
class Removal:
    """What removing an instance did, for the admin's message."""

    name: str
    assets: int
    rules_deactivated: list[str]
    windows_deleted: list[str]

    def note(self) -> str:
        parts = [
            f"NinjaOne instance {self.name!r} removed: its {self.assets} asset(s) are marked inactive "
            "(kept, so tickets still point at them) and its history is kept."
        ]
        if self.rules_deactivated:
            rules = ", ".join(self.rules_deactivated)
            parts.append(f"Alert rules naming organization or role ids were switched off: {rules}.")
        if self.windows_deleted:
            windows = ", ".join(self.windows_deleted)
            parts.append(f"Maintenance windows for organizations or devices were deleted: {windows}.")
        return " ".join(parts)


def is_linked(integration: Integration) -> bool:
    """Whether NinjaOne holds this instance's tokens (connected, syncing, failing or awaiting a
    reconnect): such an instance is disconnected before it can be removed."""
    return integration.status != ConnectionStatus.DISCONNECTED


def remove(
    session: Session, integration: Integration, *, actor: UserRef | None, remote_addr: str | None = None
) -> Removal:
    """Remove a disconnected instance from the tenant: it is *retired*, never deleted
    (:func:`.instance_change.retire_integration`: its assets marked inactive with the reason, its
    devices, mappings, alerts, runs and audit kept with the row, its name kept so it is not reused
    for other history). Saved credentials of an instance that never connected are erased.

    Its alert rules and maintenance windows naming its organization, role or device ids are switched
    off (rules, kept to be re-scoped) or deleted (windows), as on an instance change: those ids mean
    nothing in the instances that stay. Its other rules and windows stay on their pages but no longer
    match (no alert of it arrives). Audited and committed.
    """
    if integration.retired_at is not None:
        raise InstanceError(f"The NinjaOne instance {integration.name!r} was already removed.")
    if is_linked(integration):
        raise InstanceError(
            f"The NinjaOne instance {integration.name!r} is connected: disconnect it first (its webhook "
            "is removed and its tokens revoked), then remove it."
        )
    integration.credential = None  # saved but never connected: its secret goes with it
    assets = retire_integration(
        session,
        integration,
        asset_reason=(
            f"NinjaOne instance {integration.name} ({integration.base_url}) was removed from this "
            "workspace: this asset's device is no longer synced."
        ),
        status_reason="Removed from the workspace: kept for its history.",
    )
    rules, windows = drop_id_scoped_alert_settings(session, integration)
    audit.record_for_integration(
        session, integration.id, "instance_removed", user=actor, remote_addr=remote_addr,
        detail={"name": integration.name, "base_url": integration.base_url, "assets_retired": assets,
                "rules_deactivated": rules, "maintenance_windows_deleted": windows},
    )  # fmt: skip
    session.commit()
    return Removal(integration.name, assets, rules, windows)
