"""``{% chat_header_link %}``: the header's link to conversations with the live unread badge."""

from __future__ import annotations

from django import template

from chat.unread import unread_count

register = template.Library()


@register.inclusion_tag("chat/header_link.html", takes_context=True)
def chat_header_link(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {"signed_in": signed_in, "unread": unread_count(user.pk) if signed_in else 0}


@register.filter
def chat_editable(message) -> bool:
    """Whether the message is still within its author's edit window."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    return timezone.now() - message.created <= timedelta(seconds=settings.CHAT_EDIT_WINDOW_SECONDS)
