"""The websocket protocol: versioned JSON frames, and messages serialized once.

Client → server: ``subscribe {room, since}``, ``send {room, client_id, body}``,
``typing {room}``, ``read {room, upto}``.
Server → client: ``message``, ``ack {client_id, id}``, ``history``, ``typing``, ``presence``,
``notification``, ``error {code, detail}``.

Every frame carries ``"v": 1``. A message is rendered and encoded once per UI language, and
the same text is written to every socket that reads in that language.
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


def message_data(message: Message, *, language: str, support: bool = False) -> dict[str, Any]:
    """The ``message`` object of frames. ``message.author.profile`` must be loaded.

    ``html`` is the message's list item, the same markup the page renders without JS (the
    viewer's own controls are added by the page script). ``support``: a support ticket's message,
    where staff are shown as «Служба поддержки».
    """
    version = (message.pk, language, message.edited_at, message.status, message.deleted, support)
    cached = _rendered.get(version)
    if cached is not None:
        return cached
    with translation.override(language):
        html = render_to_string("chat/_message.html", {"message": message, "viewer": None, "support": support})
        name = str(_("Support service")) if support and message.author.is_staff else message.author.profile.name
    data = {
        "id": message.pk,
        "author": message.author.username,
        "name": name,
        "created": message.created.isoformat(),
        "edited": message.edited_at is not None,
        "client_id": message.client_id or None,
        "html": html,
    }
    _rendered.put(version, data)
    return data


def message_texts(message: Message, *, room: str, change: str | None = None, support: bool = False) -> dict[str, str]:
    """The ``message`` frame for every UI language, each encoded once (``support``: see ``message_data``)."""
    texts = {}
    for language in languages():
        if change in ("removed",):
            texts[language] = encode("message", room=room, change=change, message={"id": message.pk})
        else:
            fields: dict[str, Any] = {"room": room, "message": message_data(message, language=language, support=support)}
            if change:
                fields["change"] = change
            texts[language] = encode("message", **fields)
    return texts


def pick(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()))
