"""Two-way custom fields: a host change goes back to NinjaOne as an owed ``PATCH``, durable until confirmed.

The host calls :func:`asset_attributes_changed` after committing a person's change to an asset. The
values of attributes fed by a *two-way* mapping are checked and converted (a wrong type, a dropdown
value that is not among NinjaOne's options, text over the limit: :class:`FieldValueError`, nothing
owed), then owed in ``ninjaone_owed_writes`` (kind ``custom_fields``, target the device id; a second
change before NinjaOne confirmed the first merges into the same write) and committed; a
``writes.send`` job sends it. :func:`send_custom_fields` PATCHes the device; once NinjaOne confirms,
the stored values become the host's (so the next walk sees nothing to bring back). A failure keeps
the write owed and retried with :mod:`..owed_writes`' backoff; NinjaOne refusing it (400: the field is
gone, the value no longer fits) or the device being gone (404) cannot be fixed by retrying: it is
dropped with a warning, and the next walk brings NinjaOne's value back (NinjaOne wins).

While the write is owed, the inventory walk leaves those attributes alone: the host changed them
after the last sync (the conflict rule, see :mod:`.field_sync`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..client import ApiError, NotFound
from ..connection.api_client import owed_write_client
from ..host import AttributeValue
from ..jobs import enqueue
from ..models import Device, DeviceAttributes, FieldMapping, OwedKind, OwedWrite
from ..models.base import utcnow
from ..owed_writes import Sender, owe
from ..state import get_state
from ..tenancy import tenant_scope
from .field_types import FieldValueError, to_ninjaone

log = logging.getLogger(__name__)

#: Most attributes one call may name (a PATCH carries them all).
MAX_VALUES = 100


def asset_attributes_changed(tenant_id: str, host_asset_id: str, values: Mapping[str, AttributeValue]) -> int:
    """Host callback: a person changed attributes of an asset. Call it after the change is committed.

    ``values`` maps attribute keys (as :meth:`HostAdapter.asset_attributes` names them) to their new
    values (``None``: cleared). Attributes fed by a two-way mapping are owed to NinjaOne and sent by a
    job; the others are ignored, as are assets NinjaOne does not manage (or of another tenant).
    Returns how many fields are now owed for the asset. Raises :class:`FieldValueError` (a
    ``ValueError``) when a value does not fit its field; nothing is owed then.
    """
    if not isinstance(values, Mapping) or len(values) > MAX_VALUES:
        raise FieldValueError(f"values must be a mapping of at most {MAX_VALUES} attributes")
    with tenant_scope(str(tenant_id)):
        session = get_state().db.session
        device = session.scalars(
            select(Device).where(Device.host_asset_id == str(host_asset_id), Device.retired.is_(False))
        ).first()
        if device is None:
            return 0
        mappings = {
            row.attribute: row
            for row in session.scalars(
                select(FieldMapping).where(
                    FieldMapping.integration_id == device.integration_id,
                    FieldMapping.two_way.is_(True),
                    FieldMapping.missing_since.is_(None),
                )
            )
        }
        changes = {}
        for key, value in values.items():
            mapping = mappings.get(key)
            if mapping is not None:
                integer = mapping.ninjaone_type == "NUMERIC"
                changes[mapping.field_name] = to_ninjaone(
                    mapping.field_type, mapping.options, mapping.field_label, value, integer=integer
                )
        if not changes:
            return 0
        owed = _owe(session, device, changes)
        session.commit()
        _send_soon(str(tenant_id), device.device_id)
        return owed


def _owe(session: Session, device: Device, changes: dict[str, object]) -> int:
    target = str(device.device_id)
    earlier = session.scalars(
        select(OwedWrite.payload).where(
            OwedWrite.integration_id == device.integration_id,
            OwedWrite.kind == OwedKind.CUSTOM_FIELDS,
            OwedWrite.target == target,
        )
    ).first()
    merged = {**json.loads(earlier or "{}").get("values", {}), **changes}
    payload = json.dumps({"values": merged, "changed_at": utcnow().isoformat()})
    owe(session, device.integration_id, OwedKind.CUSTOM_FIELDS, target, payload=payload)
    return len(merged)


def _send_soon(tenant_id: str, device_id: int) -> None:
    try:
        enqueue("writes.send", tenant_id=tenant_id, key=f"fields-{device_id}")
    except Exception:  # noqa: BLE001 - owed and committed: the tick's sweep sends it later
        log.exception("ninjaone: could not queue the custom field write of device %s", device_id)


def send_custom_fields(session: Session, write: OwedWrite) -> None:
    """Send one owed PATCH; returns once NinjaOne confirmed it (or refused it for good)."""
    integration, client = owed_write_client(session, write, "device")
    values = json.loads(write.payload or "{}").get("values", {})
    device_id = int(write.target)
    with client:
        try:
            client.update_device_custom_fields(device_id, values)
        except NotFound:
            log.warning("ninjaone: device %s is gone; its custom field write is dropped", device_id)
            return
        except ApiError as exc:
            if exc.status != 400:
                raise
            log.warning("ninjaone refused the custom fields of device %s (dropped): %s", device_id, exc)
            return
    row = session.scalars(
        select(DeviceAttributes).where(
            DeviceAttributes.integration_id == integration.id, DeviceAttributes.device_id == device_id
        )
    ).first()
    if row is not None:
        stored = dict(row.values or {})
        for name, value in values.items():
            if value is None:
                stored.pop(name, None)
            else:
                stored[name] = value
        row.values = stored


#: The owed writes this module sends (the ``writes.send`` job uses it).
SENDERS: dict[str, Sender] = {OwedKind.CUSTOM_FIELDS: send_custom_fields}
