"""What the chat shows on product pages, for conditional GETs (community/catalog/seo.py).

The discussion section lists the latest visible messages of the product's room: a new message
moves the room's highest id, an edit its latest ``edited_at``, a moderator's decision its latest
``moderated_at``, and a message deleted by its author (or hidden) leaves the visible count.
"""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Q, Subquery

from chat.models import Message, RoomKind
from community.moderation.models import Status


def product_discussion_version() -> dict[str, Subquery]:
    """Subqueries over a product's ``OuterRef("pk")`` tracking its discussion section
    (``product_page_version`` hook): one row per room, from the ``(room, id)`` index."""
    rows = (Message.objects.filter(room__kind=RoomKind.PRODUCT, room__product_id=OuterRef("pk"))
            .order_by().values("room_id"))
    visible = Q(status=Status.PUBLISHED, deleted=False)
    aggregates = {
        "chat_last_id": Max("id"), "chat_visible": Count("id", filter=visible),
        "chat_edited": Max("edited_at"), "chat_moderated": Max("moderated_at"),
    }
    return {name: Subquery(rows.annotate(value=expression).values("value")[:1])
            for name, expression in aggregates.items()}
