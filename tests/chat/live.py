"""Real daphne processes for the chat tests: a websocket client of the chat protocol (the
``websockets`` library) and the helpers the server tests share. The ``servers`` fixture is in
``tests/chat/conftest.py``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os

import pytest
from websockets.asyncio.client import connect

from tests.chat.conftest import session_cookie
from tests.conftest import DaphneServer

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="REDIS_URL is not set: processes share messages only through the Redis channel layer")


def cookies_for(*users) -> tuple[str, ...]:
    """Session cookies (in the database thread, whose connection is closed afterwards)."""
    from django.db import connections

    try:
        return tuple(session_cookie(user) for user in users)
    finally:
        connections.close_all()


class Client:
    """A websocket client of the chat protocol."""

    def __init__(self, server: DaphneServer, cookie: str | None = None) -> None:
        self.server, self.cookie = server, cookie
        self.ws = None

    async def connect(self, *, attempts: int = 1, delay: float = 0.2) -> Client:
        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else {}
        for attempt in range(attempts):
            try:
                self.ws = await connect(f"ws://127.0.0.1:{self.server.port}/ws/", origin=self.server.url,
                                        additional_headers=headers, open_timeout=5)
                return self
            except (TimeoutError, OSError):
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(min(delay * 2 ** attempt, 1.0))
        return self

    async def send(self, **frame) -> None:
        await self.ws.send(json.dumps({"v": 1, **frame}, ensure_ascii=False))

    async def receive(self, *types: str, timeout: float = 10.0) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                if not types or frame["type"] in types:
                    return frame

    async def subscribe(self, room: str, since: int | None = None) -> list[dict]:
        await self.send(type="subscribe", room=room, since=since)
        messages = []
        while True:
            frame = await self.receive("history", "error")
            assert frame["type"] == "history", frame
            messages += frame["messages"]
            if not frame["more"]:
                return messages

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


