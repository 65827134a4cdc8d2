"""Receivers: keep open rooms right when a moderator hides or restores a chat message."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from chat import broadcast
from chat.models import Message
from community import events
from community.moderation.models import Status


@receiver(events.content_moderated, sender=Message, dispatch_uid="chat.on_content_moderated")
def on_content_moderated(sender, content, action, moderator, previous_status, reason, **kwargs) -> None:
    """A message leaving or re-entering "published" is removed from / restored to open rooms."""
    if sender is not Message:
        return
    was_visible = previous_status == Status.PUBLISHED
    is_visible = content.status == Status.PUBLISHED
    if was_visible == is_visible:
        return
    change = "restored" if is_visible else "removed"
    transaction.on_commit(partial(broadcast.message_changed, content.pk, change))


@receiver(events.notification_created, dispatch_uid="chat.on_notification_created")
def on_notification_created(sender, notification_ids, **kwargs) -> None:
    """Live delivery: sent after the notifications committed; a lost frame is harmless (the bell
    is right on the next page load)."""
    broadcast.notifications_created(notification_ids)
