"""Read paths of the chat, each a fixed number of queries whatever the data size."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Prefetch, Q, QuerySet

from chat.models import Membership, Message, Room, RoomKind, Ticket, TicketStatus
from community.moderation.models import Status

PAGE_SIZE = 50
UNREAD_CACHE_SECONDS = 300
# Unread counters cover conversations addressed to the user: direct messages and tickets.
UNREAD_KINDS = (RoomKind.DIRECT, RoomKind.TICKET)


def visible_messages(room_id: int) -> QuerySet[Message]:
    """Messages others can see (published, not deleted), with their authors' profiles."""
    return (Message.objects.filter(room_id=room_id, status=Status.PUBLISHED, deleted=False)
            .select_related("author__profile"))


@dataclass
class MessagePage:
    messages: list[Message]
    has_older: bool

    @property
    def first_id(self) -> int | None:
        return self.messages[0].pk if self.messages else None

    @property
    def last_id(self) -> int:
        return self.messages[-1].pk if self.messages else 0


def message_page(*, room: Room | None, before: int | None = None, limit: int = PAGE_SIZE,
                 product_id: int | None = None) -> MessagePage:
    """The ``limit`` latest visible messages (older than ``before`` if given), oldest first:
    one query. A product's discussion can be named by ``product_id`` instead of its room (the
    room is then joined, not looked up first)."""
    if room is not None:
        queryset = visible_messages(room.pk)
    elif product_id is not None:
        queryset = (Message.objects.filter(room__kind=RoomKind.PRODUCT, room__product_id=product_id,
                                           status=Status.PUBLISHED, deleted=False)
                    .select_related("author__profile"))
    else:
        return MessagePage(messages=[], has_older=False)
    if before:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: limit + 1])
    has_older = len(rows) > limit
    return MessagePage(messages=list(reversed(rows[:limit])), has_older=has_older)


def messages_after(*, room_id: int, since: int, upto: int, limit: int) -> list[Message]:
    """Visible messages with ``since < id <= upto``, oldest first, at most ``limit``."""
    return list(visible_messages(room_id).filter(id__gt=since, id__lte=upto).order_by("id")[:limit])


def _unread_key(user_id: int) -> str:
    return f"chat:unread:{user_id}"


def unread_count(user_id: int | None) -> int:
    """Unread messages addressed to the user (direct conversations and tickets), cached and
    invalidated by every change, so the header costs no query on most pages."""
    if not user_id:
        return 0
    key = _unread_key(user_id)
    value = cache.get(key)
    if value is None:
        value = (Message.objects
                 .filter(room__memberships__user_id=user_id, room__kind__in=UNREAD_KINDS,
                         id__gt=F("room__memberships__last_read_id"), status=Status.PUBLISHED, deleted=False)
                 .exclude(author_id=user_id)
                 .count())
        cache.set(key, value, UNREAD_CACHE_SECONDS)
    return value


def invalidate_unread(user_id: int) -> None:
    cache.delete(_unread_key(user_id))


def conversations_for(*, user, limit: int = 100) -> list[Membership]:
    """The user's direct conversations, latest first, each with ``unread`` and ``other`` (the
    other participant): two queries."""
    unread = Count("room__messages", filter=Q(
        room__messages__id__gt=F("last_read_id"), room__messages__status=Status.PUBLISHED,
        room__messages__deleted=False,
    ) & ~Q(room__messages__author_id=user.pk))
    memberships = list(
        Membership.objects.filter(user=user, room__kind=RoomKind.DIRECT)
        .select_related("room")
        .prefetch_related(Prefetch("room__memberships", queryset=Membership.objects.select_related("user__profile")))
        .annotate(unread=unread)
        .order_by("-room__last_message_id")[:limit]
    )
    for membership in memberships:
        others = [m.user for m in membership.room.memberships.all() if m.user_id != user.pk]
        membership.other = others[0] if others else None
    return memberships


def tickets_for_customer(*, user, limit: int = 50) -> list[Ticket]:
    """The customer's tickets, latest activity first, with their unread counts: one query."""
    unread = Count("room__messages", filter=Q(
        room__messages__id__gt=F("room__memberships__last_read_id"), room__memberships__user=user,
        room__messages__status=Status.PUBLISHED, room__messages__deleted=False,
    ) & ~Q(room__messages__author_id=user.pk), distinct=True)
    return list(Ticket.objects.filter(customer=user).select_related("room").annotate(unread=unread)
                .order_by("-updated")[:limit])


def ticket_by_code(code: str) -> Ticket | None:
    """``T-000123`` → the ticket (with customer and assignee profiles), or None."""
    match = _TICKET_CODE.fullmatch((code or "").strip().upper())
    if match is None:
        return None
    return (Ticket.objects.select_related("room", "customer__profile", "assignee__profile")
            .filter(number=int(match[1])).first())


# ASCII digits only: ``str.isdigit`` accepts "²" and other Unicode digits that ``int`` refuses.
_TICKET_CODE = re.compile(r"T-([0-9]{1,12})")


def ticket_queue(*, status: str | None = None) -> QuerySet[Ticket]:
    queryset = Ticket.objects.select_related("customer__profile", "assignee__profile")
    if status in TicketStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-updated")


def membership_for(*, user, room: Room | None, product_id: int | None = None) -> Membership | None:
    """The user's membership of ``room`` (or of the product's discussion), or None."""
    if user is None or not user.is_authenticated:
        return None
    if room is not None:
        return Membership.objects.filter(user=user, room=room).first()
    if product_id is not None:
        return Membership.objects.filter(user=user, room__kind=RoomKind.PRODUCT, room__product_id=product_id).first()
    return None
