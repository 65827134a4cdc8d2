"""The websocket protocol: versioned JSON frames, and messages serialized once.

Client → server: ``subscribe {room, since}``, ``send {room, client_id, body}``,
``typing {room}``, ``read {room, upto}``.
Server → client: ``message``, ``ack {client_id, id}``, ``history``, ``typing``, ``presence``,
``notification``, ``error {code, detail}``.

Every frame carries ``"v": 1``. A message is rendered and encoded once per UI language, and
the same text is written to every socket that reads in that language.

A support ticket shows staff to its customer as «Служба поддержки»: a staff member's message
(and typing, and the assignee) carries no username or name for the customer. Staff sockets need
the username (to recognise their own messages), so such texts come in two audiences: ``"<lang>"``
for everyone and ``"staff:<lang>"`` for staff sockets (:func:`pick`), each encoded once.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from chat.models import Message
from chat.templatetags.chat_tags import frame_line

VERSION = 1
CLIENT_TYPES = ("subscribe", "send", "typing", "read")
SERVER_TYPES = ("message", "ack", "history", "typing", "presence", "notification", "error")


def encode(frame_type: str, **fields: Any) -> str:
    """One frame as compact JSON text (UTF-8 characters kept, not escaped)."""
    return json.dumps({"v": VERSION, "type": frame_type, **fields}, ensure_ascii=False, separators=(",", ":"))


def error(code: str, detail: str, **fields: Any) -> str:
    return encode("error", code=code, detail=str(detail), **fields)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


class _LRU:
    """A small thread-safe LRU of rendered messages: a popular room's history is rendered once
    per process, not once per subscriber."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


_rendered = _LRU(5000)


STAFF_PREFIX = "staff:"

_authors = _LRU(2000)


def author_html(user, *, support: bool) -> str:
    """``{% author user support=support %}`` in the active language, rendered once per process
    for the same inputs: the key holds everything the component shows (name, profile link,
    staff, level, Expert categories, the thresholds its tips name), so a change is a new key.
    A batch of a busy room's messages has the same few authors over and over."""
    from community.templatetags.author_tags import author, author_fingerprint

    key = (author_fingerprint(user, support=support), translation.get_language())
    html = _authors.get(key)
    if html is None:
        html = render_to_string("components/author.html", author(user, support=support))
        _authors.put(key, html)
    return html


def support_staff(message: Message, *, support: bool) -> bool:
    """Whether ``message`` is a staff member's in a support ticket (shown as «Служба поддержки»)."""
    return support and message.author.is_staff


def message_data(message: Message, *, language: str, support: bool = False, for_staff: bool = False) -> dict[str, Any]:
    """The ``message`` object of frames. ``message.author.profile`` must be loaded.

    ``html`` is the message's list item, the same markup the page renders without JS (the
    viewer's own controls are added by the page script). ``support``: a support ticket's message,
    where staff are shown as «Служба поддержки» with ``"staff": true`` and ``"author": null`` —
    unless ``for_staff`` (the reader is staff), who get the username to recognise their own.
    """
    anonymous = support_staff(message, support=support)
    version = (message.pk, language, message.edited_at, message.status, message.deleted, support,
               anonymous and for_staff)
    cached = _rendered.get(version)
    if cached is not None:
        return cached
    with translation.override(language):
        html = frame_line(message, support=support)
        name = str(_("Support service")) if anonymous else message.author.profile.name
    data = {
        "id": message.pk,
        "author": message.author.username if not anonymous or for_staff else None,
        "name": name,
        **({"staff": True} if anonymous else {}),
        "created": message.created.isoformat(),
        "edited": message.edited_at is not None,
        "client_id": message.client_id or None,
        "html": html,
    }
    _rendered.put(version, data)
    return data


def message_texts(message: Message, *, room: str, change: str | None = None, support: bool = False) -> dict[str, str]:
    """The ``message`` frame for every UI language, each encoded once (``support``: see
    ``message_data``; a staff member's ticket message gets ``staff:<lang>`` texts too)."""
    texts = {}
    audiences = [("", False)] + ([(STAFF_PREFIX, True)] if support_staff(message, support=support) else [])
    for language in languages():
        for prefix, for_staff in audiences:
            if change in ("removed",):
                text = encode("message", room=room, change=change, message={"id": message.pk})
            else:
                data = message_data(message, language=language, support=support, for_staff=for_staff)
                fields: dict[str, Any] = {"room": room, "message": data}
                if change:
                    fields["change"] = change
                text = encode("message", **fields)
            texts[prefix + language] = text
    return texts


def per_audience(build) -> dict[str, str]:
    """``build(language, for_staff)`` → a frame's text, for every UI language and both audiences."""
    texts = {}
    for language in languages():
        with translation.override(language):
            texts[language] = build(language, False)
            texts[STAFF_PREFIX + language] = build(language, True)
    return texts


def pick(texts: dict[str, str], language: str, *, staff: bool = False) -> str:
    """The text for a socket reading in ``language``; staff sockets take the ``staff:`` variant
    where there is one."""
    if staff:
        chosen = texts.get(STAFF_PREFIX + language)
        if chosen:
            return chosen
    return (texts.get(language) or texts.get(settings.LANGUAGE_CODE)
            or next(text for key, text in texts.items() if not key.startswith(STAFF_PREFIX)))
