"""Read paths of the chat, each a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet

from chat.models import Membership, Message, Room, RoomKind
from community.moderation.models import Status

PAGE_SIZE = 50


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


def membership_for(*, user, room: Room | None, product_id: int | None = None) -> Membership | None:
    """The user's membership of ``room`` (or of the product's discussion), or None."""
    if user is None or not user.is_authenticated:
        return None
    if room is not None:
        return Membership.objects.filter(user=user, room=room).first()
    if product_id is not None:
        return Membership.objects.filter(user=user, room__kind=RoomKind.PRODUCT, room__product_id=product_id).first()
    return None


def liveliest_product_rooms(*, limit: int = 5, days: int = 7, now=None) -> list[Room]:
    """Product discussions with the most visible messages in the last ``days`` days, then the
    most recent, with their live product and ``recent`` (the count) and ``url`` (one query, plus
    the site's root paths the first time Wagtail needs them)."""
    from datetime import timedelta

    from django.utils import timezone

    since = (now or timezone.now()) - timedelta(days=days)
    recent = Q(messages__created__gte=since, messages__status=Status.PUBLISHED, messages__deleted=False)
    rooms = list(
        Room.objects.filter(kind=RoomKind.PRODUCT, product__live=True, last_message_at__gte=since)
        .annotate(recent=Count("messages", filter=recent)).filter(recent__gt=0)
        .select_related("product").order_by("-recent", "-last_message_at", "pk")[:limit]
    )
    for room in rooms:
        room.url = room.product.get_url() + room.product.reverse_subpage("chat")
    return rooms
