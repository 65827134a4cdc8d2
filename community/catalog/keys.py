"""The shop's API keys: create (shown once), revoke, and check a presented key.

A key is ``shop_<prefix>_<secret>``: 8 hex characters to find the row, then 32 random bytes.
Only the SHA-256 of the whole key is stored. A fast hash is right here (GitHub and Stripe do
the same): the key is 256 random bits, so there is nothing to guess, while a slow password
hash (PBKDF2) would cost every API request tens of milliseconds. The comparison is constant-time.

A key is sent as ``Authorization: Bearer <key>`` or ``X-Api-Key: <key>``; each use records
``last_used_at`` at most once a minute (no write per request).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from community.catalog.models import ShopApiKey

SCOPES = ("read", "feed", "webhooks")
KEY_PREFIX = "shop_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _may_manage_keys(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def api_key_create(*, actor, name: str, scopes: list[str] | tuple[str, ...]) -> tuple[ShopApiKey, str]:
    """Create a key for the shop; returns the row and the key itself, which is never stored and
    cannot be shown again. Only superusers manage keys."""
    if not _may_manage_keys(actor):
        raise PermissionDenied(_("Only administrators manage the shop's API keys."))
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValidationError(_("Choose at least one scope: read, feed, webhooks."))
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ShopApiKey(name=name.strip(), prefix=prefix, key_hash=_digest(raw), created_by=actor,
                     **{f"scope_{scope}": scope in scopes for scope in SCOPES})
    key.full_clean()
    with transaction.atomic():
        key.save()
    return key, raw


def api_key_revoke(*, actor, key: ShopApiKey) -> ShopApiKey:
    """Revoke ``key`` for good (idempotent)."""
    if not _may_manage_keys(actor):
        raise PermissionDenied(_("Only administrators manage the shop's API keys."))
    with transaction.atomic():
        ShopApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db(fields=["revoked_at"])
    return key


def presented_key(request: HttpRequest) -> str | None:
    """The key the request carries (``X-Api-Key``, else a bearer token that looks like a key)."""
    header = request.headers.get("X-Api-Key", "").strip()
    if header:
        return header
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token.startswith(KEY_PREFIX):
        return token
    return None


def api_key_check(*, raw: str, scope: str) -> ShopApiKey | None:
    """The active key ``raw`` is, when it has ``scope``; None otherwise (one query, plus an
    update of ``last_used_at`` at most once a minute)."""
    if not raw.startswith(KEY_PREFIX):
        return None
    prefix = raw[len(KEY_PREFIX):].partition("_")[0]
    if len(prefix) != 8 or not prefix.isalnum():
        return None
    key = ShopApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, _digest(raw)) or not key.has_scope(scope):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ShopApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
