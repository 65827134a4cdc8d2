"""Presence across processes: how many people are in a room, whichever daphne process holds
their sockets. Each process counts its own identities per room and announces the count on the
room's group (debounced, and again every ``ANNOUNCE_EVERY_TICKS`` heartbeats); counts not
re-announced within ``PRESENCE_TTL_SECONDS`` expire. Sockets get a ``presence`` frame when the
total changes.

``PresenceMixin`` holds these methods of :class:`chat.fanout.Hub`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from chat import frames

if TYPE_CHECKING:
    from chat.fanout import HubRoom

ANNOUNCE_EVERY_TICKS = 4  # presence re-announced (and group membership refreshed) every 20 s
PRESENCE_TTL_SECONDS = 50.0
DEBOUNCE_SECONDS = 0.5


def online_count(remote: dict[str, tuple[int, float]]) -> int:
    """The people in a room: the sum of the processes' counts that have not expired."""
    now = time.monotonic()
    return sum(count for _process, (count, seen) in remote.items() if now - seen < PRESENCE_TTL_SECONDS)


class PresenceMixin:
    """Counting, announcing and pushing presence for :class:`chat.fanout.Hub`."""

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
