"""Chat test data: many messages at once (bypassing the rate limit; the services are tested
on their own)."""

from __future__ import annotations

from django.utils import timezone

from chat.models import Message, Room
from community.moderation.models import Status
from community.text import sanitize_inline


def messages(room: Room, authors: list, count: int, *, text: str = "Сообщение") -> list[Message]:
    """``count`` published messages in ``room`` from ``authors`` in turn, oldest first."""
    now = timezone.now()
    rows = []
    for n in range(count):
        body = f"{text} {n}"
        rows.append(Message(room=room, author=authors[n % len(authors)], body=body,
                            body_html=sanitize_inline(body).html, status=Status.PUBLISHED,
                            created=now - timezone.timedelta(seconds=count - n)))
    created = Message.objects.bulk_create(rows)
    last = Message.objects.filter(room=room).order_by("-id").first()
    Room.objects.filter(pk=room.pk).update(last_message_id=last.pk, last_message_at=last.created)
    room.refresh_from_db()
    return list(Message.objects.filter(room=room).order_by("id")) if created else []
