"""Receivers of the support desk: a ticket follows its dialog."""

from __future__ import annotations

from django.dispatch import receiver

from chat.models import Message, RoomKind
from chat.support.services import ticket_after_message
from community import events


@receiver(events.message_posted, sender=Message, dispatch_uid="chat.support.ticket_follows_its_dialog")
def ticket_follows_its_dialog(sender, message: Message, **kwargs) -> None:
    """A message in a ticket's room moves the ticket's status, or — the ticket closed meanwhile —
    is refused (sent inside the posting transaction, with the room locked)."""
    if message.room.kind == RoomKind.TICKET:
        ticket_after_message(message=message)
