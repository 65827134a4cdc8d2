"""The chat websocket at ``/ws/``: one socket per browser tab, multiplexing rooms and the
user's notifications. The frames are described in ``chat.frames``.

Rules enforced here (the services enforce them again on every write):
the handshake's origin is checked before the consumer (``chat.origins``, in ``community/asgi.py``);
anonymous sockets may only read public (product) rooms; access, membership and blocks are
checked on every ``subscribe`` and ``send``; frames over 8 KB, malformed or too deeply nested
JSON, text with a NUL or a lone surrogate, unknown types and bad fields get an ``error`` frame
and the socket stays open; more than the rate limit (shared by all processes) gets
``error {code: "rate_limited"}``; muted users cannot send; while the database is unreachable
frames get ``error {code: "unavailable"}`` and the socket stays open. A channel-layer read
error never closes the socket: the read is retried (``chat.layer_reader.LayerReader``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import deque

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext as _

from chat import frames, rooms, services
from chat.errors import ChatError
from chat.fanout import Hub, Subscription, hub_for
from chat.ingest import ingest_for_loop
from chat.layer_reader import LayerReader
from chat.models import RoomKind
from chat.permissions import Access, room_access
from chat.selectors import PAGE_SIZE, message_page, messages_after
from chat.unread import unread_count

logger = logging.getLogger("chat.consumers")

MAX_SUBSCRIPTIONS = 20
# Sends of one socket waiting to be stored at once; past that, ``overloaded`` at once.
MAX_SENDS_IN_FLIGHT = 50
HISTORY_FRAME_SIZE = 200
RESUME_LIMIT = 5000
# Frames of any type per socket per 10 s (a flood guard before any database work): generous
# next to the message rate limit, since typing, read and subscribe frames count too.
FRAME_LIMIT_MIN = 150
TYPING_INTERVAL = 2.0
MAX_ID = 2**63 - 1
# The database is unreachable (connection refused, dropped, or not yet back): an error frame,
# not a closed socket; the next frame tries again.
DATABASE_DOWN = (OperationalError, InterfaceError)
_SURROGATE = re.compile("[\ud800-\udfff]")


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """One tab's socket. Per-frame handlers are ``on_<type>``."""

    user = None
    staff = False  # a staff member's socket: gets the ``staff:`` texts (see ``chat.frames``)
    hub: Hub
    _layer_reader: LayerReader | None = None

    # Channels' ``AsyncConsumer.__call__`` sets ``channel_receive`` (the socket's own channel:
    # notifications, staff events) and dies with the first exception it raises. Reads go through
    # a ``LayerReader`` instead, which retries a failing layer (Redis restarting, read timeouts)
    # and keeps the socket open.
    @property
    def channel_receive(self):
        return self._layer_reader.receive if self._layer_reader else None

    @channel_receive.setter
    def channel_receive(self, receive) -> None:
        self._layer_reader = LayerReader(receive, who="a chat socket", on_recovered=self._rejoin_private_groups)

    async def dispatch(self, message) -> None:
        """Channels' dispatch without its ``aclose_old_connections()`` hop: channels 4.2 runs
        ``close_old_connections`` in the process's one database thread before *every* frame and
        layer message, so each frame — a typing ping, a send about to be refused as overloaded —
        waited behind whatever that thread was doing (the writer's batches, history loads).
        Database work here goes through ``database_sync_to_async``, which closes old connections
        around each call anyway."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _rejoin_private_groups(self) -> None:
        for group in getattr(self, "private_groups", []):
            await self.channel_layer.group_add(group, self.channel_name)

    async def connect(self) -> None:
        self.user = self.scope.get("user") or AnonymousUser()
        self.language = _language(self.scope)
        self.subs: dict[str, Subscription] = {}
        self.frame_times: deque = deque()
        self.sending: set[asyncio.Task] = set()  # sends waiting to be stored (``on_send``)
        self.private_groups: list[str] = []
        self.display_name = ""
        self.support_rooms: set[str] = set()
        self.staff = bool(self.signed_in and self.user.is_staff)
        self.hub = hub_for(self.channel_layer)
        await self.accept()
        await self.hub.register(self)
        if self.signed_in:
            self.display_name = self.user.get_username()
            self.private_groups = [rooms.user_group(self.user.pk)] + ([rooms.STAFF_GROUP] if self.user.is_staff else [])
            for group in self.private_groups:
                await self.channel_layer.group_add(group, self.channel_name)
            try:
                self.display_name = await database_sync_to_async(_display_name)(self.user)
                unread = await database_sync_to_async(unread_count)(self.user.pk)
            except DATABASE_DOWN:
                logger.warning("chat: the database is unreachable while a socket connects")
                with translation.override(self.language):
                    await self.send_error("unavailable")
                return
            await self.send(frames.encode("notification", kind="unread", unread=unread))

    async def disconnect(self, code: int) -> None:
        # Sends still queued are withdrawn (never stored; the client resends them with the same
        # client_id); one the writer has taken is stored and acknowledged to nobody.
        for task in list(getattr(self, "sending", ())):
            task.cancel()
        for key in list(getattr(self, "subs", {})):
            await self.hub.leave(key, self)
        self.subs = {}
        for group in getattr(self, "private_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if hasattr(self, "hub"):
            await self.hub.unregister(self)

    @property
    def signed_in(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated and self.user.is_active)

    async def deliver(self, text: str) -> None:
        """Write an already encoded frame (the hub calls this for every socket)."""
        await self.base_send({"type": "websocket.send", "text": text})

    async def send_error(self, code: str, detail: str | None = None, **fields) -> None:
        await self.send(frames.error(code, detail or ChatError(code).message, **fields))

    # --- frames in ---------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        with translation.override(self.language):
            if text_data is None:
                await self.send_error("bad_frame")
                return
            if len(text_data) > settings.CHAT_MAX_FRAME_BYTES // 4 and \
                    len(text_data.encode("utf-8")) > settings.CHAT_MAX_FRAME_BYTES:
                await self.send_error("too_large")
                return
            frame_limit = max(FRAME_LIMIT_MIN, 3 * settings.CHAT_RATE_LIMIT_MESSAGES)
            if not self._allow(self.frame_times, frame_limit, settings.CHAT_RATE_LIMIT_SECONDS):
                await self.send_error("rate_limited")
                return
            try:
                content = json.loads(text_data)
            except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
                await self.send_error("bad_json")
                return
            if _has_invalid_text(content):
                await self.send_error("invalid_text")
                return
            await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("bad_frame")
            return
        if content.get("v", frames.VERSION) != frames.VERSION:
            await self.send_error("unsupported_version")
            return
        handler = {
            "subscribe": self.on_subscribe, "send": self.on_send, "typing": self.on_typing, "read": self.on_read,
        }.get(content["type"])
        if handler is None:
            await self.send_error("unknown_type", received=content["type"][:40])
            return
        context = {k: content[k] for k in ("room", "client_id") if isinstance(content.get(k), str)}
        try:
            await handler(content)
        except ChatError as error:
            await self.send_error(error.code, error.message, **context, **error.fields)
        except DATABASE_DOWN:
            logger.warning("chat: the database is unreachable (%s frame)", content["type"])
            await self.send_error("unavailable", **context)
        except Exception:
            logger.exception("chat: %s frame failed", content["type"])
            await self.send_error("server_error", **context)

    async def on_subscribe(self, content: dict) -> None:
        """Join a room: history after ``since`` (or the latest page), then live messages."""
        key, since = content.get("room"), content.get("since")
        if rooms.parse_key(key) is None:
            raise ChatError("not_found")
        if since is not None and not _is_id(since):
            raise ChatError("bad_frame")
        if key in self.subs:
            await self.hub.leave(key, self)
            del self.subs[key]
        if len(self.subs) >= MAX_SUBSCRIPTIONS:
            raise ChatError("invalid", _("Too many rooms on one socket."))
        access: Access = await self._db(_read_access, self.user, key)
        identity = f"u{self.user.pk}" if self.signed_in else f"a{self.channel_name}"
        # Join first, then read the database: whatever is stored after the read arrives live.
        sub = await self.hub.join(key, self, identity=identity, share_presence=access.share_presence,
                                  can_write=access.write)
        self.subs[key] = sub
        if access.support:
            self.support_rooms.add(key)
        else:
            self.support_rooms.discard(key)
        try:
            head, messages, older, reset = await self._db(_history, key, since, self.language, self.staff)
            chunks = [messages[i:i + HISTORY_FRAME_SIZE] for i in range(0, len(messages), HISTORY_FRAME_SIZE)] or [[]]
            for index, chunk in enumerate(chunks):
                await self.send(frames.encode(
                    "history", room=key, messages=chunk, more=index < len(chunks) - 1, last_id=head,
                    older=older, reset=reset, can_write=access.write,
                    **({"code": access.code} if access.code else {}),
                ))
            await self.hub.go_live(sub, head)
        except BaseException:
            self.subs.pop(key, None)
            await self.hub.leave(key, self)
            raise
        if access.share_presence:
            text = self.hub.presence_text(key)
            if text:
                await self.send(text)

    async def on_send(self, content: dict) -> None:
        key, client_id, body = content.get("room"), content.get("client_id"), content.get("body")
        if not self.signed_in:
            raise ChatError("auth_required")
        if not isinstance(client_id, str) or not services.CLIENT_ID.match(client_id):
            raise ChatError("bad_frame", _("Each message needs a client_id: 1–64 Latin letters, digits or _.:-"))
        if not isinstance(body, str) or rooms.parse_key(key) is None:
            raise ChatError("bad_frame")
        # Stored by the process's writer, in a batch (``chat.ingest``); refused with
        # ``overloaded`` when it cannot be stored in time. The socket goes on reading frames
        # meanwhile, so the deadline counts from the frame's arrival and a client's pipelined
        # sends share a batch (the queue is first in, first out: their order is kept). The
        # rate limit is counted by the service, in the shared cache (all processes).
        ingest = ingest_for_loop()
        if len(self.sending) >= MAX_SENDS_IN_FLIGHT:
            raise ingest.refuse()
        task = asyncio.ensure_future(self._store_and_answer(ingest, key, client_id, body))
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    async def _store_and_answer(self, ingest, key: str, client_id: str, body: str) -> None:
        """One send's one answer: ``ack`` or ``error`` (as ``receive_json`` answers frames)."""
        with translation.override(self.language):
            try:
                message_id = await ingest.submit(user=self.user, key=key, body=body, client_id=client_id,
                                                 language=self.language)
            except ChatError as error:
                await self.send_error(error.code, error.message, room=key, client_id=client_id, **error.fields)
            except DATABASE_DOWN:
                logger.warning("chat: the database is unreachable (send frame)")
                await self.send_error("unavailable", room=key, client_id=client_id)
            except Exception:
                logger.exception("chat: a send failed")
                await self.send_error("server_error", room=key, client_id=client_id)
            else:
                await self.send(frames.encode("ack", room=key, client_id=client_id, id=message_id))

    async def on_typing(self, content: dict) -> None:
        key = content.get("room")
        sub = self.subs.get(key) if isinstance(key, str) else None
        if sub is None:
            raise ChatError("not_subscribed")
        if not self.signed_in or not sub.can_write or not sub.share_presence:
            return
        now = time.monotonic()
        if now - sub.typing_at < TYPING_INTERVAL:
            return
        sub.typing_at = now
        user = {"username": self.user.get_username(), "name": self.display_name}
        if self.staff and key in self.support_rooms:
            # The customer reads «Служба поддержки … печатает», never who; staff read the name.
            event = {"texts": frames.per_audience(lambda _language, for_staff: frames.encode(
                "typing", room=key, user=user if for_staff else {"name": str(_("Support service")), "staff": True}))}
        else:
            event = {"text": frames.encode("typing", room=key, user=user)}
        await self.channel_layer.group_send(rooms.group_name(key), {
            "type": "chat.event", "room": key, "presence": True, **event})

    async def on_read(self, content: dict) -> None:
        key, upto = content.get("room"), content.get("upto")
        if not _is_id(upto) or rooms.parse_key(key) is None:
            raise ChatError("bad_frame")
        if not self.signed_in:
            return
        await self._db(_mark_read, self.user, key, upto)

    # --- frames from the channel layer (the user's own groups) ---------------------------------

    async def chat_notify(self, event: dict) -> None:
        await self.send(frames.pick(event["texts"], self.language, staff=self.staff) if "texts" in event else event["text"])

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _allow(times: deque, limit: int, seconds: float) -> bool:
        now = time.monotonic()
        while times and now - times[0] > seconds:
            times.popleft()
        if len(times) >= limit:
            return False
        times.append(now)
        return True

    async def _db(self, function, *args):
        return await database_sync_to_async(_in_language)(self.language, function, *args)


def _is_id(value) -> bool:
    """A message id as frames carry it: a non-negative integer that fits the database's bigint."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def _has_invalid_text(content) -> bool:
    """True when a string anywhere in the frame (keys included) has a NUL or a lone surrogate:
    text no form accepts, PostgreSQL cannot store and UTF-8 cannot encode. (JSON escapes such as
    ``\\u0000`` and ``\\ud800`` produce them; the frame's size bounds the walk.)"""
    stack = [content]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _language(scope) -> str:
    wanted = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    return wanted if wanted in frames.languages() else settings.LANGUAGE_CODE


def _in_language(language: str, function, *args):
    with translation.override(language):
        return function(*args)


def _display_name(user) -> str:
    from community.accounts.models import Profile

    profile = Profile.objects.filter(user=user).first()
    return profile.name if profile else user.get_username()


def _read_access(user, key: str) -> Access:
    ref = rooms.resolve(key)
    if ref is None:
        raise ChatError("not_found")
    access = room_access(user, kind=ref.kind, room=ref.room, product_live=ref.product_live)
    if not access.read:
        raise ChatError(access.code or "forbidden")
    return access


def _history(key: str, since: int | None, language: str, staff: bool) -> tuple[int, list[dict], bool, bool]:
    """(head, messages, older exists, reset). ``since`` None: the latest page. Otherwise every
    visible message after ``since`` up to the head — unless that is more than RESUME_LIMIT, then
    the latest page with ``reset`` (the client starts over). ``staff``: the reader is staff
    (see ``frames.message_data``)."""
    ref = rooms.resolve(key)
    room = ref.room if ref else None
    if room is None:
        return 0, [], False, False
    head = room.last_message_id
    support = room.kind == RoomKind.TICKET
    reset = False
    if since is not None:
        rows = messages_after(room_id=room.pk, since=since, upto=head, limit=RESUME_LIMIT + 1)
        if len(rows) <= RESUME_LIMIT:
            return head, [frames.message_data(m, language=language, support=support, for_staff=staff)
                          for m in rows], False, False
        reset = True
    page = message_page(room=room, limit=PAGE_SIZE)
    messages = [frames.message_data(m, language=language, support=support, for_staff=staff)
                for m in page.messages if m.pk <= head]
    return head, messages, page.has_older, reset


def _mark_read(user, key: str, upto: int) -> None:
    ref = rooms.resolve(key)
    if ref is not None and ref.room is not None:
        services.mark_read(user=user, room=ref.room, upto=upto)



