"""The chat's domain error: a code for websocket ``error`` frames and JSON, and a translated
message for people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "auth_required": _("Log in to write in the chat."),
    "forbidden": _("You do not have access to this conversation."),
    "not_found": _("There is no such conversation."),
    "blocked": _("You cannot write to this person."),
    "muted": _("A moderator has muted you in this room for a while."),
    "ticket_closed": _("This ticket is closed. Reopen it to write."),
    "rate_limited": _("You are sending messages too fast. Wait a few seconds."),
    "invalid": _("The message cannot be sent."),
    "edit_window": _("A message can be edited only during the first 10 minutes."),
    "too_large": _("The frame is too large."),
    "bad_json": _("The frame is not valid JSON."),
    "bad_frame": _("The frame is malformed."),
    "unknown_type": _("Unknown frame type."),
    "unsupported_version": _("Unsupported protocol version."),
    "not_subscribed": _("Subscribe to the room first."),
    "server_error": _("Something went wrong on our side. Try again."),
    "invalid_text": _("The text contains characters that cannot be sent (a NUL or a broken character)."),
    "unavailable": _("The chat is temporarily unavailable. Try again in a minute."),
    "overloaded": _("The chat is overloaded right now: your message was not sent. Try again in a few seconds."),
}


class ChatError(Exception):
    """A chat request that cannot be carried out. ``code`` is machine-readable; ``message``
    is shown to the user (translated)."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.fields: dict = {}  # extra fields of the error frame (``retry_after``)
        self.message = str(message) if message is not None else str(MESSAGES.get(code, MESSAGES["invalid"]))
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
