"""Presence across processes: how many people are in a room, whichever daphne process holds
their sockets. Each process counts its own identities per room and announces the count on the
room's group (debounced, and again every ``ANNOUNCE_EVERY_TICKS`` heartbeats); counts not
re-announced within ``PRESENCE_TTL_SECONDS`` expire. Sockets get a ``presence`` frame when the
total changes.

Who is online at all (a signed-in user with any socket open on any process, whatever room) is
kept in the shared cache (Redis when ``REDIS_URL`` is set; the embedded site is one process):
``chat:online:<user>:<process>`` while the process holds a socket of the user (refreshed every
heartbeat, expires ``ONLINE_TTL_SECONDS`` after a process dies, deleted when the user's last
socket there closes) and ``chat:online:<user>`` listing the processes to look at. Writers of
the list never lock: a process lost in a concurrent update is put back by its next heartbeat.
:func:`is_online` reads it (the "direct message while I am offline" notification).

``PresenceMixin`` holds these methods of :class:`chat.fanout.Hub`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from asgiref.sync import sync_to_async
from django.core.cache import cache

from chat import frames

if TYPE_CHECKING:
    from chat.fanout import HubRoom

ANNOUNCE_EVERY_TICKS = 4  # presence re-announced (and group membership refreshed) every 20 s
PRESENCE_TTL_SECONDS = 50.0
DEBOUNCE_SECONDS = 0.5
ONLINE_TTL_SECONDS = 30  # six heartbeats: a dead process's users are offline within 30 s
PROCESS_LIST_SECONDS = 24 * 3600
PROCESSES_KEPT = 16  # a user's most recent processes (restarts make new ones)

logger = logging.getLogger("chat.presence")


def _online_key(user_id: int, process: str) -> str:
    return f"chat:online:{user_id}:{process}"


def _processes_key(user_id: int) -> str:
    return f"chat:online:{user_id}"


def mark_online(user_ids: Iterable[int], process: str) -> None:
    """``process`` holds sockets of ``user_ids`` (called on connect and every heartbeat)."""
    user_ids = list(user_ids)
    if not user_ids:
        return
    cache.set_many({_online_key(user_id, process): 1 for user_id in user_ids}, ONLINE_TTL_SECONDS)
    lists = cache.get_many([_processes_key(user_id) for user_id in user_ids])
    missing = {}
    for user_id in user_ids:
        known = lists.get(_processes_key(user_id)) or []
        if process not in known:
            missing[_processes_key(user_id)] = [*known[-(PROCESSES_KEPT - 1):], process]
    if missing:
        cache.set_many(missing, PROCESS_LIST_SECONDS)


def mark_offline(user_id: int, process: str) -> None:
    """The user's last socket on ``process`` closed."""
    cache.delete(_online_key(user_id, process))


def is_online(user_id: int) -> bool:
    """True while the user has a socket open on any process (two cache reads). When the cache
    cannot be read the user counts as offline: a notification too many beats a lost one."""
    try:
        processes = cache.get(_processes_key(user_id)) or []
        return bool(processes) and bool(cache.get_many([_online_key(user_id, p) for p in processes]))
    except Exception:
        logger.exception("chat: could not read who is online")
        return False


def online_count(remote: dict[str, tuple[int, float]]) -> int:
    """The people in a room: the sum of the processes' counts that have not expired."""
    now = time.monotonic()
    return sum(count for _process, (count, seen) in remote.items() if now - seen < PRESENCE_TTL_SECONDS)


class PresenceMixin:
    """Counting, announcing and pushing presence for :class:`chat.fanout.Hub`."""

    async def _user_connected(self, user_id: int) -> None:
        self.online_users[user_id] += 1
        if self.online_users[user_id] == 1:
            await self._write_online(mark_online, [user_id], self.process)

    async def _user_disconnected(self, user_id: int) -> None:
        self.online_users[user_id] -= 1
        if self.online_users[user_id] <= 0:
            del self.online_users[user_id]
            await self._write_online(mark_offline, user_id, self.process)

    async def _refresh_online(self) -> None:
        if self.online_users:
            await self._write_online(mark_online, list(self.online_users), self.process)

    @staticmethod
    async def _write_online(function, *args) -> None:
        # The cache unreachable must not close sockets: the next heartbeat writes it again.
        try:
            await sync_to_async(function)(*args)
        except Exception:
            logger.warning("chat: could not record who is online (the cache is unreachable)", exc_info=True)

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
