"""Releasing a dropped connection in NinjaOne, and the webhook configuration: owed until confirmed.

A disconnect (or a change of API client or instance) erases the credentials here, but NinjaOne must
still be told: remove the webhook (``DELETE /v2/webhook``) and revoke the refresh and access tokens.
Both used to be best effort, so one 429 left a live refresh token and a webhook pointing at us. Now
the erase and an owed ``release`` commit together; the owed row keeps what the calls need (instance,
client id and secret, the tokens) encrypted in its payload until NinjaOne confirms both, and forgets
them then. The steps run in order and their progress is saved, so the webhook is removed before the
token that removes it is revoked, and a confirmed step is never sent again.

The webhook configuration belongs to the API client, not to our connection: if the integration is
connected again with the same API client on the same instance before an owed removal goes through,
the new connection's webhook is the live one and the removal is skipped.

A ``PUT /v2/webhook`` that NinjaOne throttled or failed on (429, 5xx, unreachable) is owed as well
(see :func:`~flask_ninjaone.webhooks.registration.register_webhook`); a 403 is a verdict, not a hiccup, and is
shown to the admin instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..client import InMemoryTokenStore, ReconnectRequired, TokenSet
from ..models import ConnectionStatus, Credential, Integration, OwedKind, OwedWrite, WebhookState
from ..owed_writes import SHORT_WAIT, NotSendable, Sender, forget, owe
from ..tenancy import get_scoped
from ..webhooks import registration as webhook_registration
from .api_client import configured_client, sending_client

log = logging.getLogger(__name__)


def owe_release(session: Session, integration: Integration, credential: Credential) -> str | None:
    """Owe the release of ``credential``'s connection (the caller erases it and commits in the same
    transaction); returns the owed write's target, ``None`` when there are no tokens to release."""
    if not credential.access_token or not credential.client_secret:
        return None
    token = TokenSet(
        access_token=credential.access_token,
        refresh_token=credential.refresh_token,
        expires_at=credential.token_expires_at.timestamp() if credential.token_expires_at else 0.0,
        scope=credential.scope or "",
    )
    payload = {
        "base_url": integration.base_url,
        "base_url_set_by_operator": integration.base_url_set_by_operator,
        "client_id": credential.client_id,
        "client_secret": credential.client_secret,
        "token": token.to_dict(),
        "remove_webhook": integration.webhook_state in (WebhookState.ACTIVE, WebhookState.ERROR),
    }
    target = hashlib.sha256(credential.access_token.encode()).hexdigest()[:32]
    owe(session, integration.id, OwedKind.RELEASE, target, payload=json.dumps(payload))
    forget(session, integration.id, OwedKind.WEBHOOK)  # no PUT is owed for a connection being dropped
    return target


def still_owed(session: Session, integration_id: int, target: str) -> OwedWrite | None:
    """The release's owed row, ``None`` once NinjaOne confirmed all of it."""
    return session.scalars(
        select(OwedWrite).where(
            OwedWrite.integration_id == integration_id,
            OwedWrite.kind == OwedKind.RELEASE,
            OwedWrite.target == target,
        )
    ).one_or_none()


def webhook_removal_owed(write: OwedWrite) -> bool:
    """Whether a still-owed release has yet to remove the webhook (else only the revocation is left)."""
    return bool(json.loads(write.payload or "{}").get("remove_webhook"))


def send_release(session: Session, write: OwedWrite) -> None:
    """Remove the webhook (unless a new connection of the same API client owns it), then revoke."""
    data = json.loads(write.payload or "{}")
    store = InMemoryTokenStore(TokenSet.from_dict(data["token"]))
    client = configured_client(
        data["base_url"],
        data["client_id"],
        data["client_secret"],
        store,
        max_sleep=SHORT_WAIT,
        set_by_operator=bool(data.get("base_url_set_by_operator")),
    )
    try:
        with client:
            if data.get("remove_webhook"):
                if not _taken_over(session, write.integration_id, data):
                    client.remove_webhook()
                data["remove_webhook"] = False
            client.revoke_tokens()
    except ReconnectRequired as exc:
        # NinjaOne refused to renew the tokens: they are dead already, nothing is left to revoke, and
        # nothing we hold can remove the webhook any more (deliveries to us are refused: no secret).
        log.warning("ninjaone release of integration %s ends unconfirmed: %s", write.integration_id, exc)
    finally:
        # A renewal during the calls rotated the refresh token: keep the one that works, and the
        # progress, whatever happens next.
        data["token"] = (store.load() or TokenSet.from_dict(data["token"])).to_dict()
        write.payload = json.dumps(data)
        session.commit()


def _taken_over(session: Session, integration_id: int, data: dict[str, Any]) -> bool:
    integration = get_scoped(session, Integration, integration_id)
    credential = integration.credential if integration is not None else None
    return (
        integration is not None
        and credential is not None
        and bool(credential.access_token)
        and integration.base_url == data["base_url"]
        and credential.client_id == data["client_id"]
    )


def send_webhook(session: Session, write: OwedWrite) -> None:
    """Send an owed ``PUT /v2/webhook`` with the integration's current URL and secret."""
    integration = get_scoped(session, Integration, write.integration_id)
    if integration is None or integration.status == ConnectionStatus.DISCONNECTED:
        return  # nothing to configure any more (a disconnect forgets it; this is belt and braces)
    if not integration.webhook_secret:
        raise NotSendable("the integration has no webhook secret yet")
    base_url = json.loads(write.payload or "{}").get("base_url")
    with sending_client(integration) as client:
        webhook_registration.push(integration, client, base_url, integration.webhook_secret)
    integration.webhook_state = WebhookState.ACTIVE
    integration.webhook_error = None
    session.commit()


#: The owed writes this module sends (the ``writes.send`` job uses it).
SENDERS: dict[str, Sender] = {OwedKind.RELEASE: send_release, OwedKind.WEBHOOK: send_webhook}
