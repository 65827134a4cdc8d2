"""Chat's template filters (the header's «Сообщения» link is a ``header_items`` hook)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def chat_editable(message) -> bool:
    """Whether the message is still within its author's edit window."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    return timezone.now() - message.created <= timedelta(seconds=settings.CHAT_EDIT_WINDOW_SECONDS)
