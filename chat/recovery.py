"""How the hub (``chat.fanout``) gets back what the channel layer lost: the database is the
source of truth, so every loss is refilled from it.

* **Gap refill** — each broadcast names the room's previous message; when that is newer than
  the last message the hub saw, the messages between were dropped: they are loaded from the
  database and delivered first (``_refill``).
* **Heartbeat** — every few seconds the hub compares each room's last stored id with what it
  has seen, so a dropped *last* message is refilled too; it also refreshes the group
  memberships (groups expire) and logs the running totals.
* **Resync** — after a layer outage (``chat.layer_reader.LayerReader`` calls back) the hub
  joins every room's group again and refills whatever was stored meanwhile.

``RecoveryMixin`` holds these methods of :class:`chat.fanout.Hub`; the database helpers run in
the database thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async

from chat import frames
from chat.hub_stats import stats
from chat.layer_reader import raise_if_cancelling
from chat.presence import ANNOUNCE_EVERY_TICKS, PRESENCE_TTL_SECONDS

if TYPE_CHECKING:
    from chat.fanout import HubRoom

logger = logging.getLogger("chat.fanout")  # the hub's log: one logger to configure

HEARTBEAT_SECONDS = 5.0
REFILL_LIMIT = 1000
SUMMARY_EVERY_TICKS = 12  # a minute


class RecoveryMixin:
    """Gap refill, resync after an outage and the heartbeat of :class:`chat.fanout.Hub`."""

    async def _resync(self) -> None:
        """After a layer outage: join every room's group again (Redis may have restarted and lost
        them) and refill from the database whatever was stored meanwhile."""
        for room in [room for room in self.rooms.values() if room.ready.is_set()]:
            with contextlib.suppress(Exception):
                await self.layer.group_add(room.group, self.channel)
            if self.rooms.get(room.key) is room:
                async with self.dispatch_lock:
                    await self._refill(room)

    async def _refill(self, room: HubRoom, upto: int | None = None) -> None:
        """Deliver the stored messages after ``room.last_id`` (up to ``upto``) from the database."""
        head, rows = await database_sync_to_async(_load_after)(room.key, room.last_id, upto)
        for message_id, texts in rows:
            if message_id > room.last_id:
                room.last_id = message_id
                stats["refilled"] += 1
                await self._fanout_message(room, message_id, texts)
        if len(rows) < REFILL_LIMIT:
            room.last_id = max(room.last_id, upto or head)
        for message_id in [message_id for message_id in room.held if message_id <= room.last_id]:
            del room.held[message_id]  # delivered by the refill

    async def _heartbeat(self) -> None:
        """Beat every ``HEARTBEAT_SECONDS``. A failing beat (the database down) is logged once per
        outage, like ``LayerReader``: the traceback when beats start failing, one line with the
        count when one succeeds again — not a traceback every five seconds."""
        failures = 0
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            self.tick += 1
            try:
                await self._beat()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                raise_if_cancelling(error)
                stats["heartbeat_errors"] += 1
                failures += 1
                if failures == 1:
                    logger.exception("chat: hub %s heartbeat failed; retrying every beat until it works", self.process)
                continue
            if failures:
                logger.warning("chat: hub %s heartbeat works again after %d failed beats", self.process, failures)
                failures = 0

    async def _beat(self) -> None:
        if self.tick % SUMMARY_EVERY_TICKS == 0:
            counted = {key: stats[key] for key in ("gaps", "refilled", "duplicates", "receive_errors", "dispatch_errors",
                                                   "sends_stored", "sends_refused", "reordered")}
            if counted != self.last_summary:
                # Drops are logged one by one as warnings; this keeps the running totals visible
                # (and ``/chat/metrics/`` answers them, per process, to staff).
                logger.info("chat hub %s: %d rooms, %d sockets, %d delivered; sends stored %d, refused (overloaded) "
                            "%d; layer gaps %d (%d messages refilled from the "
                            "database), %d reordered, %d duplicates ignored", self.process, len(self.rooms),
                            len(self.consumers), stats["delivered"], stats["sends_stored"], stats["sends_refused"],
                            stats["gaps"], stats["refilled"], stats["reordered"],
                            stats["duplicates"])
                self.last_summary = counted
        await self._refresh_online()
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


# --- database helpers (run in the database thread) ---------------------------------------------


def room_head(key: str) -> int:
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
    from chat.models import RoomKind
    from chat.rooms import resolve
    from chat.selectors import messages_after

    ref = resolve(key)
    if ref is None or ref.room is None:
        return 0, []
    head = ref.room.last_message_id
    rows = messages_after(room_id=ref.room.pk, since=since, upto=upto or head, limit=REFILL_LIMIT)
    support = ref.room.kind == RoomKind.TICKET
    return head, [(message.pk, frames.message_texts(message, room=key, support=support)) for message in rows]
