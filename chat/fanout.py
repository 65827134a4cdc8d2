"""One channel-layer subscription per process and room, fanned out in process to its sockets.

Why: a naive consumer joins the room's group with every socket, so the layer carries (and
channels-redis stores, under one capacity per process) one copy of every message per socket,
and the process decodes each copy; measured at ~0.27 ms of daphne CPU per delivery, with
silent drops past the capacity. Here the layer carries one copy per process; the hub writes
the message's pre-encoded text (one per UI language) to each of its sockets.

What the hub guarantees to a subscription: every visible message of the room with an id
above the subscription's starting point, in id order, exactly once —

* messages are stored before they are broadcast, and each broadcast names the room's
  previous message (``prev``); a broadcast whose ``prev`` is newer than the last one the hub
  saw reveals messages the layer dropped: they are counted, logged and refilled from the
  database before the new one is delivered;
* a heartbeat compares each room's last stored id with what the hub has seen, so a dropped
  *last* message is refilled within seconds too;
* while a new subscription loads its history from the database, live messages are
  buffered, then delivered if newer than the history (no gap, no duplicate).

Presence is counted per process and shared through the layer (debounced), typing and other
events are forwarded as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from collections import Counter
from typing import Any

from channels.db import database_sync_to_async

from chat import frames
from chat.rooms import group_name

logger = logging.getLogger("chat.fanout")

HEARTBEAT_SECONDS = 5.0
ANNOUNCE_EVERY_TICKS = 4  # presence re-announced (and group membership refreshed) every 20 s
PRESENCE_TTL_SECONDS = 50.0
DEBOUNCE_SECONDS = 0.5
REFILL_LIMIT = 1000
SUMMARY_EVERY_TICKS = 12  # a minute

# Process-wide counters: deliveries, gaps (layer drops detected), refilled messages, duplicates…
stats: Counter = Counter()


class Subscription:
    """One socket's subscription to one room."""

    __slots__ = ("consumer", "key", "identity", "share_presence", "can_write", "last_id", "buffer", "typing_at")

    def __init__(self, consumer, key: str, identity: str, share_presence: bool, can_write: bool) -> None:
        self.consumer = consumer
        self.key = key
        self.identity = identity
        self.share_presence = share_presence
        self.can_write = can_write
        self.last_id = 0
        # While the subscriber loads its history: what arrived live meanwhile, in order.
        self.buffer: list[tuple[str, int, Any, bool]] | None = []
        self.typing_at = 0.0

    async def write(self, texts: dict[str, str] | str) -> None:
        text = texts if isinstance(texts, str) else frames.pick(texts, self.consumer.language)
        await self.consumer.deliver(text)
        stats["delivered"] += 1


class HubRoom:
    def __init__(self, key: str) -> None:
        self.key = key
        self.group = group_name(key)
        self.subs: dict[Any, Subscription] = {}
        self.identities: Counter = Counter()
        self.remote: dict[str, tuple[int, float]] = {}
        self.last_id = 0
        self.head_seen = 0  # the room's last stored id at the previous heartbeat
        self.ready = asyncio.Event()
        self.early: list[dict] = []
        self.presence_sent = -1
        self.presence_timer: asyncio.TimerHandle | None = None
        self.announce_task: asyncio.Task | None = None

    def online(self) -> int:
        now = time.monotonic()
        return sum(count for _process, (count, seen) in self.remote.items() if now - seen < PRESENCE_TTL_SECONDS)

    def cancel(self) -> None:
        if self.presence_timer:
            self.presence_timer.cancel()
        if self.announce_task:
            self.announce_task.cancel()


class Hub:
    """The process's (event loop's) reader of room groups; see the module docstring."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.process = uuid.uuid4().hex[:12]
        self.channel: str | None = None
        self.rooms: dict[str, HubRoom] = {}
        self.consumers: set = set()
        self.lock = asyncio.Lock()  # group membership changes, in order
        self.dispatch_lock = asyncio.Lock()  # one fan-out at a time: ids reach sockets in order
        self.tasks: list[asyncio.Task] = []
        self.tick = 0
        self.last_summary: dict[str, int] = {}

    # --- lifecycle ---------------------------------------------------------------------------

    async def register(self, consumer) -> None:
        self.consumers.add(consumer)
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.tasks = [asyncio.ensure_future(self._read()), asyncio.ensure_future(self._heartbeat())]

    async def unregister(self, consumer) -> None:
        self.consumers.discard(consumer)
        if self.consumers:
            return
        async with self.lock:
            if self.consumers or self.channel is None:
                return
            for task in self.tasks:
                task.cancel()
            for task in self.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            self.tasks = []
            rooms, self.rooms = list(self.rooms.values()), {}
            for room in rooms:
                room.cancel()
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(room.group, self.channel)
            self.channel = None

    # --- subscriptions -----------------------------------------------------------------------

    async def join(self, key: str, consumer, *, identity: str, share_presence: bool, can_write: bool) -> Subscription:
        """Subscribe ``consumer`` to room ``key``; live messages are buffered in the returned
        subscription until :meth:`go_live`."""
        while True:
            room = self.rooms.get(key)
            if room is None:
                async with self.lock:
                    room = self.rooms.get(key)
                    if room is None:
                        room = self.rooms[key] = HubRoom(key)
                        try:
                            await self.layer.group_add(room.group, self.channel)
                            room.last_id = room.head_seen = await database_sync_to_async(_room_head)(key)
                        except BaseException:
                            self.rooms.pop(key, None)
                            room.ready.set()
                            raise
                        room.ready.set()
                        early, room.early = room.early, []
                        async with self.dispatch_lock:
                            for message in early:
                                await self._dispatch(message)
            if not room.ready.is_set():
                await room.ready.wait()
            if self.rooms.get(key) is room:
                break
        previous = room.subs.pop(consumer, None)
        if previous is not None:
            self._forget_identity(room, previous.identity)
        sub = Subscription(consumer, key, identity, share_presence, can_write)
        room.subs[consumer] = sub
        room.identities[identity] += 1
        if room.identities[identity] == 1:
            self._presence_changed(room)
        return sub

    async def go_live(self, sub: Subscription, head: int) -> None:
        """The subscriber has sent its history up to ``head``: deliver what was buffered after
        it, in order, and from now on deliver directly."""
        sub.last_id = max(sub.last_id, head)
        while True:
            items, sub.buffer = sub.buffer, []
            if not items:
                sub.buffer = None  # no await between the check and this: nothing slips past
                break
            for kind, message_id, texts, presence_only in items:
                await self._deliver_one(sub, kind, message_id, texts, presence_only)

    async def leave(self, key: str, consumer) -> None:
        room = self.rooms.get(key)
        if room is None:
            return
        sub = room.subs.pop(consumer, None)
        if sub is None:
            return
        self._forget_identity(room, sub.identity)
        if room.subs:
            return
        async with self.lock:
            if self.rooms.get(key) is not room or room.subs or self.channel is None:
                return
            del self.rooms[key]
            room.cancel()
            with contextlib.suppress(Exception):
                await self.layer.group_send(room.group, {
                    "type": "chat.presence", "room": key, "process": self.process, "count": 0})
                await self.layer.group_discard(room.group, self.channel)

    def presence_text(self, key: str) -> str | None:
        room = self.rooms.get(key)
        return frames.encode("presence", room=key, online=room.online()) if room else None

    # --- reading the layer -------------------------------------------------------------------

    async def _read(self) -> None:
        reader = LayerReader(lambda: self.layer.receive(self.channel), who=f"the hub {self.process}",
                             on_recovered=self._resync)
        while True:
            message = await reader.receive()
            try:
                async with self.dispatch_lock:
                    await self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                stats["dispatch_errors"] += 1
                logger.exception("chat: the hub could not dispatch %s", message.get("type"))

    async def _resync(self) -> None:
        """After a layer outage: join every room's group again (Redis may have restarted and lost
        them) and refill from the database whatever was stored meanwhile."""
        for room in [room for room in self.rooms.values() if room.ready.is_set()]:
            with contextlib.suppress(Exception):
                await self.layer.group_add(room.group, self.channel)
            if self.rooms.get(room.key) is room:
                async with self.dispatch_lock:
                    await self._refill(room)

    async def _dispatch(self, message: dict) -> None:
        room = self.rooms.get(message.get("room"))
        if room is None:
            return
        if not room.ready.is_set():
            room.early.append(message)
            return
        kind = message.get("type")
        if kind == "chat.message":
            await self._on_message(room, message)
        elif kind == "chat.event":
            await self._fanout(room, "e", 0, message.get("texts") or message.get("text"), bool(message.get("presence")))
        elif kind == "chat.presence":
            self._on_presence(room, message)
        elif kind == "chat.access":
            for sub in room.subs.values():
                sub.share_presence = False

    async def _on_message(self, room: HubRoom, message: dict) -> None:
        message_id, previous = int(message["id"]), int(message.get("prev") or 0)
        if message_id <= room.last_id:
            stats["duplicates"] += 1
            return
        if previous > room.last_id:
            stats["gaps"] += 1
            logger.warning("chat: the channel layer dropped messages of %s between %d and %d; refilling "
                           "from the database", room.key, room.last_id, previous)
            await self._refill(room, upto=message_id)
            return
        room.last_id = message_id
        await self._fanout(room, "m", message_id, message["texts"], False)

    async def _refill(self, room: HubRoom, upto: int | None = None) -> None:
        """Deliver the stored messages after ``room.last_id`` (up to ``upto``) from the database."""
        head, rows = await database_sync_to_async(_load_after)(room.key, room.last_id, upto)
        for message_id, texts in rows:
            if message_id > room.last_id:
                room.last_id = message_id
                stats["refilled"] += 1
                await self._fanout(room, "m", message_id, texts, False)
        if len(rows) < REFILL_LIMIT:
            room.last_id = max(room.last_id, upto or head)

    async def _fanout(self, room: HubRoom, kind: str, message_id: int, texts, presence_only: bool) -> None:
        for sub in list(room.subs.values()):
            if sub.buffer is not None:
                sub.buffer.append((kind, message_id, texts, presence_only))
                continue
            await self._deliver_one(sub, kind, message_id, texts, presence_only)

    async def _locked_fanout(self, room: HubRoom, text: str) -> None:
        async with self.dispatch_lock:
            await self._fanout(room, "e", 0, text, True)

    @staticmethod
    async def _deliver_one(sub: Subscription, kind: str, message_id: int, texts, presence_only: bool) -> None:
        if kind == "m":
            if message_id <= sub.last_id:
                return
            sub.last_id = message_id
        elif presence_only and not sub.share_presence:
            return
        await sub.write(texts)

    # --- presence ----------------------------------------------------------------------------

    def _forget_identity(self, room: HubRoom, identity: str) -> None:
        room.identities[identity] -= 1
        if room.identities[identity] <= 0:
            del room.identities[identity]
            self._presence_changed(room)

    def _presence_changed(self, room: HubRoom) -> None:
        room.remote[self.process] = (len(room.identities), time.monotonic())
        self._schedule_push(room)
        self._schedule_announce(room, query=False)

    def _on_presence(self, room: HubRoom, message: dict) -> None:
        process = message.get("process")
        if process == self.process:
            return
        count = int(message.get("count") or 0)
        if count <= 0:
            room.remote.pop(process, None)
        else:
            room.remote[process] = (count, time.monotonic())
        if message.get("query"):
            self._schedule_announce(room, query=False)
        self._schedule_push(room)

    def _schedule_announce(self, room: HubRoom, *, query: bool) -> None:
        if room.announce_task is not None and not room.announce_task.done():
            return

        async def announce() -> None:
            await asyncio.sleep(DEBOUNCE_SECONDS)
            if self.rooms.get(room.key) is room:
                with contextlib.suppress(Exception):
                    await self.layer.group_send(room.group, {
                        "type": "chat.presence", "room": room.key, "process": self.process,
                        "count": len(room.identities), "query": query or room.presence_sent < 0,
                    })

        room.announce_task = asyncio.ensure_future(announce())

    def _schedule_push(self, room: HubRoom) -> None:
        if room.presence_timer is not None:
            return

        def push() -> None:
            room.presence_timer = None
            if self.rooms.get(room.key) is not room:
                return
            online = room.online()
            if online == room.presence_sent:
                return
            room.presence_sent = online
            text = frames.encode("presence", room=room.key, online=online)
            asyncio.ensure_future(self._locked_fanout(room, text))

        room.presence_timer = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, push)

    # --- heartbeat ---------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            self.tick += 1
            try:
                await self._beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                stats["heartbeat_errors"] += 1
                logger.exception("chat: hub heartbeat failed")

    async def _beat(self) -> None:
        if self.tick % SUMMARY_EVERY_TICKS == 0:
            counted = {key: stats[key] for key in ("gaps", "refilled", "duplicates", "receive_errors", "dispatch_errors")}
            if counted != self.last_summary:
                # Drops are logged one by one as warnings; this keeps the running totals visible.
                logger.info("chat hub %s: %d rooms, %d sockets, %d delivered; layer gaps %d (%d messages refilled from "
                            "the database), %d duplicates ignored", self.process, len(self.rooms),
                            len(self.consumers), stats["delivered"], stats["gaps"], stats["refilled"],
                            stats["duplicates"])
                self.last_summary = counted
        rooms = [room for room in self.rooms.values() if room.ready.is_set()]
        if not rooms:
            return
        if self.tick % ANNOUNCE_EVERY_TICKS == 0:
            now = time.monotonic()
            for room in rooms:
                # Refresh the group membership (groups expire) and our presence count.
                await self.layer.group_add(room.group, self.channel)
                room.remote[self.process] = (len(room.identities), now)
                stale = [p for p, (_count, seen) in room.remote.items() if now - seen >= PRESENCE_TTL_SECONDS]
                for process in stale:
                    del room.remote[process]
                self._schedule_announce(room, query=False)
                self._schedule_push(room)
        heads = await database_sync_to_async(_room_heads)([room.key for room in rooms])
        for room in rooms:
            head = heads.get(room.key, 0)
            # A message stored a whole heartbeat ago and still not received was dropped.
            if room.last_id < room.head_seen and self.rooms.get(room.key) is room:
                stats["gaps"] += 1
                logger.warning("chat: the channel layer dropped the last messages of %s (after %d); refilling "
                               "from the database", room.key, room.last_id)
                async with self.dispatch_lock:
                    await self._refill(room, upto=room.head_seen)
            room.head_seen = head


# --- reading the channel layer through its failures ----------------------------------------------

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0


class LayerReader:
    """``receive()`` from the channel layer that never raises a layer error: it retries with
    exponential backoff (0.5 s doubling to 10 s) until a read succeeds.

    A read can fail while Redis restarts, on a network blip, or (redis-py 8 with its default
    5 s socket timeout) on every idle read; none of these should close a user's socket. Each
    *incident* is logged once — a warning when reads start failing, one line when they work
    again, with the count — and ``on_recovered`` runs then (the hub refills from the database
    what the layer may have lost meanwhile).
    """

    def __init__(self, receive, *, who: str, on_recovered=None) -> None:
        self._receive = receive
        self.who = who
        self.on_recovered = on_recovered
        self.failures = 0  # consecutive failed reads of the current incident

    async def receive(self) -> dict:
        loop = asyncio.get_running_loop()
        delay = RETRY_FIRST_SECONDS
        while True:
            started = loop.time()
            try:
                message = await self._receive()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                stats["receive_errors"] += 1
                self.failures += 1
                if self.failures == 1:
                    logger.warning("chat: %s cannot read from the channel layer (%s: %s); retrying with backoff "
                                   "until it answers", self.who, type(error).__name__, error)
                # At most one attempt per ``delay``: a read that failed at once (Redis down) backs
                # off; one that failed after a long wait (a read timeout) is retried at once.
                elapsed = loop.time() - started
                if elapsed < delay:
                    await asyncio.sleep(delay - elapsed)
                    delay = min(delay * 2, RETRY_MAX_SECONDS)
                else:
                    delay = RETRY_FIRST_SECONDS
                continue
            if self.failures:
                logger.warning("chat: %s reads from the channel layer again after %d failed reads",
                               self.who, self.failures)
                self.failures = 0
                stats["receive_recoveries"] += 1
                if self.on_recovered is not None:
                    try:
                        await self.on_recovered()
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        logger.exception("chat: %s could not resynchronize after a channel layer outage", self.who)
            return message


# --- database helpers (run in the database thread) ---------------------------------------------


def _room_head(key: str) -> int:
    from chat.rooms import resolve

    ref = resolve(key)
    return ref.room.last_message_id if ref and ref.room else 0


def _room_heads(keys: list[str]) -> dict[str, int]:
    """The last stored message id of each room, in one query."""
    from django.db.models import Q

    from chat.models import Room, RoomKind
    from chat.rooms import parse_key, room_key

    condition = Q(pk__in=[])
    for key in keys:
        parsed = parse_key(key)
        if parsed is None:
            continue
        kind, number = parsed
        if kind == "product":
            condition |= Q(kind=RoomKind.PRODUCT, product_id=number)
        elif kind == "lounge":
            condition |= Q(kind=RoomKind.LOUNGE)
        else:
            condition |= Q(pk=number)
    rows = Room.objects.filter(condition).only("id", "kind", "product_id", "last_message_id")
    return {room_key(room): room.last_message_id for room in rows}


def _load_after(key: str, since: int, upto: int | None) -> tuple[int, list[tuple[int, dict[str, str]]]]:
    """The room's head and its visible messages after ``since`` (up to ``upto``), encoded."""
    from chat.rooms import resolve
    from chat.selectors import messages_after

    ref = resolve(key)
    if ref is None or ref.room is None:
        return 0, []
    head = ref.room.last_message_id
    rows = messages_after(room_id=ref.room.pk, since=since, upto=upto or head, limit=REFILL_LIMIT)
    return head, [(message.pk, frames.message_texts(message, room=key)) for message in rows]


# --- one hub per event loop ---------------------------------------------------------------------

_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def hub_for(layer) -> Hub:
    """The running event loop's hub for ``layer`` (a daphne process has one loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = Hub(layer)
    return hub
