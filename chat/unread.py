"""The unread counter in the header: messages addressed to a user (direct conversations and
tickets) that they have not read, cached in the shared cache and invalidated by every write
that changes it (posting, reading, moderation broadcasts)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F, OuterRef

from chat.models import Message, RoomKind
from community.moderation.models import Status
from community.user_counters import UserCounter

UNREAD_CACHE_SECONDS = 300
# Unread counters cover conversations addressed to the user: direct messages and tickets.
UNREAD_KINDS = (RoomKind.DIRECT, RoomKind.TICKET)


def _unread_key(user_id: int) -> str:
    return f"chat:unread:{user_id}"


def _unread_messages(user_id):
    """The messages counted: ``user_id`` is an id or the user's ``OuterRef("pk")``."""
    return (Message.objects
            .filter(room__memberships__user_id=user_id, room__kind__in=UNREAD_KINDS,
                    id__gt=F("room__memberships__last_read_id"), status=Status.PUBLISHED, deleted=False)
            .exclude(author_id=user_id))


def unread_count(user_id: int | None) -> int:
    """Unread messages addressed to the user (direct conversations and tickets), cached and
    invalidated by every change, so the header costs no query on most pages."""
    if not user_id:
        return 0
    key = _unread_key(user_id)
    value = cache.get(key)
    if value is None:
        value = _unread_messages(user_id).count()
        cache.set(key, value, UNREAD_CACHE_SECONDS)
    return value


def unread_counter() -> UserCounter:
    """The counter for the header (``user_counters`` hook): loaded with the others in one query."""
    return UserCounter(key=_unread_key, count=lambda: _unread_messages(OuterRef("pk")), seconds=UNREAD_CACHE_SECONDS)


def invalidate_unread(user_id: int) -> None:
    cache.delete(_unread_key(user_id))
