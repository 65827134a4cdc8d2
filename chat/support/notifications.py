"""What the support desk tells customers: a reply in their ticket (registered with the
``notification_kinds`` hook in ``chat.support.wagtail_hooks``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from chat.models import RoomKind
from chat.support.models import Ticket
from community.moderation.models import Status
from community.notifications.kinds import Announcement, NotificationKind
from community.notifications.models import Frequency


def reply_in_my_ticket(*, message, **kwargs) -> list[Announcement]:
    """A message in a ticket by anyone but its customer (the support team) tells the customer."""
    if message.room.kind != RoomKind.TICKET or message.status != Status.PUBLISHED:
        return []
    ticket = Ticket.objects.filter(room_id=message.room_id).only("pk", "number", "subject", "customer_id").first()
    if ticket is None or ticket.customer_id == message.author_id:
        return []
    return [Announcement(kind="support.reply", cause=f"message:{message.pk}", url=f"{ticket.get_absolute_url()}#chat-message-{message.pk}",
                         recipient_ids=[ticket.customer_id], actor_id=message.author_id, target=message,
                         params={"ticket": ticket.code, "subject": ticket.subject})]


def kinds() -> list[NotificationKind]:
    return [
        NotificationKind(key="support.reply", label=_("A reply in my support ticket"), order=70,
                         message=_("The support team replied in your ticket %(ticket)s “%(subject)s”"),
                         default_frequency=Frequency.IMMEDIATE, listens={"message_posted": reply_in_my_ticket}),
    ]
