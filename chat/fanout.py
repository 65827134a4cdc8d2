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

The hub is one class in three modules, one job each: this one (subscriptions, reading the
layer, fan-out), ``chat.recovery`` (gap refill, heartbeat, resync after an outage) and
``chat.presence`` (presence across processes); ``chat.layer_reader`` reads the layer through
its failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from chat import frames
from chat.hub_stats import stats
from chat.layer_reader import STOP_TIMEOUT_SECONDS, LayerReader, raise_if_cancelling
from chat.presence import PresenceMixin, online_count
from chat.recovery import RecoveryMixin, room_head
from chat.rooms import group_name

logger = logging.getLogger("chat.fanout")



@dataclass(frozen=True, slots=True)
class Delivery:
    """One thing for a room's sockets: a message (``message_id`` set: each socket gets it once,
    in id order) or an event (edits, removals, typing, presence; ``presence_only`` events go
    only to subscribers who share presence). ``texts`` is pre-encoded, one text per UI
    language, or one text for all."""

    texts: dict[str, str] | str
    message_id: int | None = None
    presence_only: bool = False

    @classmethod
    def message(cls, message_id: int, texts: dict[str, str] | str) -> Delivery:
        return cls(texts=texts, message_id=message_id)

    @classmethod
    def event(cls, texts: dict[str, str] | str, *, presence_only: bool = False) -> Delivery:
        return cls(texts=texts, presence_only=presence_only)


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
        self.buffer: list[Delivery] | None = []
        self.typing_at = 0.0

    async def write(self, texts: dict[str, str] | str) -> None:
        text = texts if isinstance(texts, str) else frames.pick(texts, self.consumer.language, staff=self.consumer.staff)
        try:
            await self.consumer.deliver(text)
        except Exception:
            # The socket is closing (a slow reader just closed, a client gone): one socket's
            # failure never stops the room's fan-out; it leaves the room when its disconnect arrives.
            stats["writes_to_closed"] += 1
            return
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
        # Messages received ahead of their predecessor, for up to CHAT_REORDER_SECONDS:
        # id → (previous id, texts).
        self.held: dict[int, tuple[int, dict[str, str] | str]] = {}
        self.hold_timer: asyncio.TimerHandle | None = None
        self.presence_sent = -1
        self.presence_timer: asyncio.TimerHandle | None = None
        self.announce_task: asyncio.Task | None = None

    def online(self) -> int:
        return online_count(self.remote)

    def cancel_hold(self) -> None:
        if self.hold_timer:
            self.hold_timer.cancel()
            self.hold_timer = None

    def cancel(self) -> None:
        self.cancel_hold()
        if self.presence_timer:
            self.presence_timer.cancel()
        if self.announce_task:
            self.announce_task.cancel()


class Hub(RecoveryMixin, PresenceMixin):
    """The process's (event loop's) reader of room groups; see the module docstring."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.process = uuid.uuid4().hex[:12]
        self.channel: str | None = None
        self.rooms: dict[str, HubRoom] = {}
        self.consumers: set = set()
        self.online_users: Counter = Counter()  # signed-in user id → sockets in this process
        self.lock = asyncio.Lock()  # group membership changes, in order
        self.dispatch_lock = asyncio.Lock()  # one fan-out at a time: ids reach sockets in order
        self.tasks: list[asyncio.Task] = []
        self.tick = 0
        self.last_summary: dict[str, int] = {}
        self.spawned: set[asyncio.Task] = set()

    # --- lifecycle ---------------------------------------------------------------------------

    async def register(self, consumer) -> None:
        self.consumers.add(consumer)
        if getattr(consumer, "signed_in", False):
            await self._user_connected(consumer.user.pk)
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.tasks = [asyncio.ensure_future(self._read()), asyncio.ensure_future(self._heartbeat())]

    async def unregister(self, consumer) -> None:
        if consumer in self.consumers and getattr(consumer, "signed_in", False):
            await self._user_disconnected(consumer.user.pk)
        self.consumers.discard(consumer)
        if self.consumers:
            return
        async with self.lock:
            if self.consumers or self.channel is None:
                return
            for task in self.tasks:
                task.cancel()
            if self.tasks:
                # Bounded, and without swallowing a cancellation of this very coroutine (the
                # socket's own disconnect may be cancelled): a task that ignores its
                # cancellation is logged and left behind, never waited for in a loop.
                done, stuck = await asyncio.wait(self.tasks, timeout=STOP_TIMEOUT_SECONDS)
                for task in done:
                    if not task.cancelled() and task.exception() is not None:
                        logger.warning("chat: hub %s task %s ended with %r", self.process, task.get_name(),
                                       task.exception())
                for task in stuck:
                    logger.warning("chat: hub %s task %s did not stop within %.0f s of its cancellation",
                                   self.process, task.get_name(), STOP_TIMEOUT_SECONDS)
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
                            room.last_id = room.head_seen = await database_sync_to_async(room_head)(key)
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
            for delivery in items:
                await self._deliver_one(sub, delivery)

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
            except Exception as error:
                raise_if_cancelling(error)
                stats["dispatch_errors"] += 1
                logger.exception("chat: the hub could not dispatch %s", message.get("type"))

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
        elif kind == "chat.messages":  # a writer's batch: several messages of the room, in order
            for one in message.get("messages") or ():
                await self._on_message(room, one)
        elif kind == "chat.event":
            await self._fanout(room, Delivery.event(message.get("texts") or message.get("text"),
                                                    presence_only=bool(message.get("presence"))))
        elif kind == "chat.presence":
            self._on_presence(room, message)
        elif kind == "chat.access":
            for sub in room.subs.values():
                sub.share_presence = False

    async def _on_message(self, room: HubRoom, message: dict) -> None:
        message_id, previous = int(message["id"]), int(message.get("prev") or 0)
        if message_id <= room.last_id or message_id in room.held:
            stats["duplicates"] += 1
            return
        if previous > room.last_id:
            # Not yet a gap: when two processes store messages in one room, the later message's
            # broadcast can reach the layer before the earlier one's. Hold it for a moment; the
            # missing ones usually arrive meanwhile (``_release_held`` refills if they do not).
            room.held[message_id] = (previous, message["texts"])
            if room.hold_timer is None:
                room.hold_timer = asyncio.get_running_loop().call_later(
                    settings.CHAT_REORDER_SECONDS, lambda: self._spawn(self._release_held(room)))
            return
        room.last_id = message_id
        await self._fanout_message(room, message_id, message["texts"])
        await self._deliver_held(room)

    async def _deliver_held(self, room: HubRoom) -> None:
        """Deliver the held messages that now follow on (in id order); stop at the first gap."""
        while room.held:
            message_id = min(room.held)
            previous, texts = room.held[message_id]
            if message_id <= room.last_id:
                del room.held[message_id]
                continue
            if previous > room.last_id:
                return
            del room.held[message_id]
            stats["reordered"] += 1
            room.last_id = message_id
            await self._fanout_message(room, message_id, texts)
        room.cancel_hold()

    async def _release_held(self, room: HubRoom) -> None:
        """The reorder window has passed: what is still missing was dropped by the layer; refill
        it (and the held messages) from the database."""
        async with self.dispatch_lock:
            room.hold_timer = None
            if not room.held or self.rooms.get(room.key) is not room:
                return
            upto = max(room.held)
            stats["gaps"] += 1
            logger.warning("chat: the channel layer dropped messages of %s after %d (before %d); refilling "
                           "from the database", room.key, room.last_id, upto)
            await self._refill(room, upto=upto)
            await self._deliver_held(room)

    def _spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.spawned.add(task)
        task.add_done_callback(self.spawned.discard)

    async def _fanout(self, room: HubRoom, delivery: Delivery) -> None:
        for sub in list(room.subs.values()):
            if sub.buffer is not None:
                sub.buffer.append(delivery)
                continue
            await self._deliver_one(sub, delivery)

    async def _fanout_message(self, room: HubRoom, message_id: int, texts: dict[str, str] | str) -> None:
        await self._fanout(room, Delivery.message(message_id, texts))

    async def _locked_fanout(self, room: HubRoom, text: str) -> None:
        async with self.dispatch_lock:
            await self._fanout(room, Delivery.event(text, presence_only=True))

    @staticmethod
    async def _deliver_one(sub: Subscription, delivery: Delivery) -> None:
        if delivery.message_id is not None:
            if delivery.message_id <= sub.last_id:
                return
            sub.last_id = delivery.message_id
        elif delivery.presence_only and not sub.share_presence:
            return
        await sub.write(delivery.texts)


# --- one hub per event loop ---------------------------------------------------------------------

_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def hub_for(layer) -> Hub:
    """The running event loop's hub for ``layer`` (a daphne process has one loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = Hub(layer)
    return hub
