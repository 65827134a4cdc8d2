"""Signed webhooks to the shop: record an event for every endpoint that hears it, deliver it from
the task queue, retry with backoff, log every attempt, resend from the admin.

**Format** — the Standard Webhooks specification (so receivers can verify with its libraries):
the body is ``{"id", "type", "created", "data"}``; headers ``webhook-id`` (the idempotency key,
the same on every retry), ``webhook-timestamp`` (Unix seconds, of this attempt) and
``webhook-signature: v1,<base64 HMAC-SHA256>`` over ``"{id}.{timestamp}.{raw body}"`` with the
endpoint's secret (``whsec_<base64>``, the key is the decoded bytes). Receivers refuse
timestamps outside their replay window (5 minutes is usual) and ignore an id they have seen.

**Delivery** — recorded inside the transaction of the change (the event and its task exist
exactly when the change commits), sent by a worker, never inside a request. A 2xx is delivered;
anything else (an error status, a timeout, a refused connection) is retried after
``WEBHOOK_RETRY_DELAYS`` seconds, then the delivery is marked failed; each attempt is logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.catalog.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

SECRET_PREFIX = "whsec_"  # noqa: S105 — a format marker, not a secret
USER_AGENT = "ShopCommunity-Webhooks/1"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for this attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(*, secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (documented in the README; used by the tests' receiver)."""
    try:
        timestamp = int(headers["webhook-timestamp"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret=secret, message_id=headers.get("webhook-id", ""), timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in headers.get("webhook-signature", "").split())


# --- recording events -----------------------------------------------------------------------------


def webhook_event_record(*, event: WebhookEvent | str, data: Callable[[], dict]) -> list[WebhookDelivery]:
    """Record ``event`` for every active endpoint that hears it and enqueue its delivery.

    Call inside the transaction of the change (receivers of domain events do): one query for
    the endpoints; only when one hears the event is ``data()`` built, then one INSERT per
    endpoint and its task.
    """
    from community.catalog.tasks import deliver_webhook

    event = WebhookEvent(event)
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if event.value in e.events]
    if not endpoints:
        return []
    data = data()
    deliveries = []
    for endpoint in endpoints:
        message_id = f"msg_{uuid.uuid4().hex}"
        body = json.dumps({"id": message_id, "type": event.value, "created": timezone.now(), "data": data},
                          cls=DjangoJSONEncoder, ensure_ascii=False)
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event.value, message_id=message_id, body=body)
        deliver_webhook.enqueue(delivery.pk)
        deliveries.append(delivery)
    return deliveries


# --- delivering -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry_in: int | None = None  # seconds until the next attempt; None: no more attempts


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = delivery.body.encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 — the URL is an http(s) URLField set by a superuser
        endpoint.url, data=body, method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret=endpoint.secret, message_id=delivery.message_id, timestamp=timestamp,
                                      body=body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:500]


def webhook_deliver(*, delivery_id: int) -> Outcome:
    """Make one attempt of a pending delivery and record it (idempotent: a delivered or failed
    delivery is left alone). The HTTP call runs outside any transaction."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return Outcome(delivered=delivery is not None and delivery.status == DeliveryStatus.DELIVERED)
    started = time.monotonic()
    status_code, error = _post(delivery.endpoint, delivery)
    duration = int((time.monotonic() - started) * 1000)
    delivered = status_code is not None and 200 <= status_code < 300
    delays = settings.WEBHOOK_RETRY_DELAYS
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if locked.status != DeliveryStatus.PENDING:  # another worker finished it meanwhile
            return Outcome(delivered=locked.status == DeliveryStatus.DELIVERED)
        locked.attempts += 1
        WebhookAttempt.objects.create(delivery=locked, number=locked.attempts, status_code=status_code,
                                      error=error, duration_ms=duration)
        locked.last_status_code = status_code
        retry_in = None
        if delivered:
            locked.status, locked.delivered_at, locked.next_attempt_at = DeliveryStatus.DELIVERED, timezone.now(), None
        elif locked.attempts <= len(delays):
            retry_in = delays[locked.attempts - 1]
            locked.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
        else:
            locked.status, locked.next_attempt_at = DeliveryStatus.FAILED, None
        locked.save(update_fields=["attempts", "last_status_code", "status", "delivered_at", "next_attempt_at"])
    return Outcome(delivered=delivered, retry_in=retry_in)


def webhook_resend(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (a superuser in the admin): same id and body, attempts go on."""
    from community.catalog.tasks import deliver_webhook

    if not (actor and actor.is_authenticated and actor.is_superuser):
        raise PermissionDenied(_("Only administrators resend webhooks."))
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, next_attempt_at=None)
        deliver_webhook.enqueue(delivery.pk)
    delivery.refresh_from_db()
    return delivery
