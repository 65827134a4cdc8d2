"""Read paths of the support desk: a customer's tickets, a ticket by its code, the staff queue
and the staff who can take a ticket — each a fixed number of queries."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet

from chat.support.models import Ticket, TicketStatus
from community.moderation.models import Status


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


def staff_users() -> QuerySet:
    """Active staff, for the assignee choice."""
    return get_user_model().objects.filter(is_staff=True, is_active=True).select_related("profile").order_by("username")
