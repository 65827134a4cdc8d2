"""Who may enter, read and write which room: the one place these decisions are made."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from chat.models import Block, Membership, Room, RoomKind


def can_enter_lounge(user) -> bool:
    """The Experts' lounge is for Experts and staff.

    This is the only function that decides it. Experts are the profiles the experts app marks
    (``Profile.is_expert``, Expert in at least one category); a Django group
    (``settings.CHAT_EXPERTS_GROUP``, "Эксперты") stands in for Expert status where it is not
    earned (invited guests, or before the experts app has computed anything).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    profile = getattr(user, "profile", None)
    if profile is not None and getattr(profile, "is_expert", False):
        return True
    return user.groups.filter(name=settings.CHAT_EXPERTS_GROUP).exists()


def is_blocked_between(a, b) -> bool:
    """Whether either user has blocked the other."""
    if a is None or b is None:
        return False
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


@dataclass(frozen=True)
class Access:
    """What a user may do in a room. ``code`` names why writing is refused (an error code)."""

    read: bool
    write: bool
    share_presence: bool = True
    code: str = ""
    support: bool = False  # a support ticket: staff are shown to the customer as «Служба поддержки»

    @classmethod
    def none(cls, code: str) -> Access:
        return cls(read=False, write=False, share_presence=False, code=code)


def room_access(user, *, kind: str, room: Room | None, product_live: bool = True) -> Access:
    """Decide read/write access of ``user`` to a room (``room`` may be None for a product room
    that has no message yet). Mutes are checked when posting, not here."""
    signed_in = bool(user is not None and user.is_authenticated and user.is_active)
    if kind == RoomKind.PRODUCT:
        if not product_live:
            return Access.none("not_found")
        return Access(read=True, write=signed_in, code="" if signed_in else "auth_required")
    if not signed_in:
        return Access.none("auth_required")
    if kind == RoomKind.LOUNGE:
        return Access(read=True, write=True) if can_enter_lounge(user) else Access.none("forbidden")
    if room is None:
        return Access.none("not_found")
    if kind == RoomKind.DIRECT:
        members = list(Membership.objects.filter(room=room).values_list("user_id", flat=True))
        if user.pk not in members:
            return Access.none("forbidden")
        others = [m for m in members if m != user.pk]
        blocked = bool(others) and is_blocked_between(user.pk, others[0])
        if blocked:
            return Access(read=True, write=False, share_presence=False, code="blocked")
        return Access(read=True, write=True)
    if kind == RoomKind.TICKET:
        ticket = room.ticket
        if not (user.pk == ticket.customer_id or user.is_staff):
            return Access.none("forbidden")
        if ticket.is_closed:
            return Access(read=True, write=False, code="ticket_closed", support=True)
        return Access(read=True, write=True, support=True)
    return Access.none("not_found")
