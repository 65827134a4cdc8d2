"""Chat fixtures: people with roles, rooms, and websocket clients on the real ASGI stack
(origin check, session auth, the real channel layer)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client

from chat import services
from chat.support import services as support_services
from community import ratelimit
from tests import factories
from tests.conftest import DaphneServer

SKIP_TYPES = ("presence", "notification", "typing")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the shared cache and outlive a test (ids are reused)."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):  # django-redis: only the limiter's keys
        cache.delete_pattern(f"{ratelimit.KEY_PREFIX}:*")
    else:
        cache.clear()
    yield


def set_send_limit(settings, count: int, seconds: int = 10) -> None:
    """Chat sends allowed per user per ``seconds`` (``RATE_LIMITS["chat_send"]``)."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_send": (count, seconds)}


@pytest.fixture
def expert(db):
    """A member of the group that stands in for Experts."""
    user = factories.UserFactory(username="yorick", verified=True)
    group, _created = Group.objects.get_or_create(name=django_settings.CHAT_EXPERTS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="rosencrantz", verified=True)


@pytest.fixture
def product_room(product):
    return services.product_room_for(product)


@pytest.fixture
def direct_room(shopper, other_shopper):
    return services.direct_room_for(actor=shopper, other=other_shopper)


@pytest.fixture
def ticket(shopper):
    return support_services.ticket_open(customer=shopper, subject="Не пришёл заказ", body="Заказ A-1 не доставлен.")


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


class Socket:
    """A websocket client on the real application: JSON in and out, frames by type."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.skipped: list[dict] = []

    async def send(self, **frame) -> None:
        await self.communicator.send_to(text_data=json.dumps({"v": 1, **frame}, ensure_ascii=False))

    async def send_raw(self, text: str | None = None, data: bytes | None = None) -> None:
        await self.communicator.send_to(text_data=text, bytes_data=data)

    async def frame(self, *types: str, timeout: float = 5.0) -> dict:
        """The next frame of one of ``types`` (others of the presence/notification/typing kind
        are kept in ``skipped``; anything else unexpected fails the test)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no {types} frame within {timeout}s; skipped: {self.skipped}")
            frame = json.loads(await self.communicator.receive_from(timeout=remaining))
            assert frame["v"] == 1
            if frame["type"] in types:
                return frame
            if frame["type"] in SKIP_TYPES:
                self.skipped.append(frame)
                continue
            raise AssertionError(f"expected {types}, got {frame}")

    async def find(self, frame_type: str, timeout: float = 5.0, **match) -> dict:
        """The first frame of ``frame_type`` whose fields equal ``match`` (skipped ones too)."""
        for frame in self.skipped:
            if frame["type"] == frame_type and all(frame.get(k) == v for k, v in match.items()):
                self.skipped.remove(frame)
                return frame
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.frame(frame_type, timeout=max(0.01, deadline - loop.time()))
            if all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def each(self, *types: str, timeout: float = 5.0) -> dict[str, dict]:
        """One frame of each of ``types``, in whatever order they arrive."""
        got: dict[str, dict] = {}
        while len(got) < len(types):
            frame = await self.frame(*[t for t in types if t not in got], timeout=timeout)
            got[frame["type"]] = frame
        return got

    async def nothing(self, timeout: float = 0.3, *, ignore: tuple[str, ...] = SKIP_TYPES) -> None:
        """Assert that no frame (other than ``ignore``d kinds) arrives within ``timeout``.

        (Polls with ``receive_nothing``: ``receive_from`` cancels the application on timeout.)
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (remaining := deadline - loop.time()) > 0:
            if await self.communicator.receive_nothing(timeout=min(0.05, remaining)):
                continue
            frame = json.loads(await self.communicator.receive_from(timeout=1))
            if frame["type"] not in ignore:
                raise AssertionError(f"unexpected frame {frame}")

    async def subscribe(self, room: str, since: int | None = None) -> list[dict]:
        """Subscribe and return every message of the history frames."""
        await self.send(type="subscribe", room=room, since=since)
        messages = []
        while True:
            frame = await self.frame("history", "error")
            assert frame["type"] == "history", frame
            messages += frame["messages"]
            if not frame["more"]:
                return messages

    async def close(self) -> None:
        await self.communicator.disconnect()


@pytest.fixture
async def sockets(transactional_db):
    """``await sockets(user=None, origin=...)`` → a connected :class:`Socket`; all are closed at
    the end (which also stops the process's hub)."""
    from channels.layers import channel_layers, get_channel_layer

    from community.asgi import application

    # A fresh channel layer for this test's event loop (channels-redis binds its receive
    # machinery to the loop that first receives).
    channel_layers.backends.pop("default", None)
    opened: list[Socket] = []

    async def open_socket(user=None, *, origin: bytes = b"http://testserver", expect_connected: bool = True,
                          language: str | None = None, expect_hello: bool = True):
        headers = [(b"origin", origin), (b"host", b"testserver")]
        cookies = []
        if user is not None:
            cookie = await database_sync_to_async(session_cookie)(user)
            cookies.append(f"{django_settings.SESSION_COOKIE_NAME}={cookie}")
        if language:
            cookies.append(f"{django_settings.LANGUAGE_COOKIE_NAME}={language}")
        if cookies:
            headers.append((b"cookie", "; ".join(cookies).encode()))
        communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
        connected, _code = await communicator.connect(timeout=5)
        assert connected is expect_connected
        socket = Socket(communicator)
        if connected:
            opened.append(socket)
            if user is not None and expect_hello:
                hello = await socket.frame("notification")
                assert hello["kind"] == "unread"
        return socket

    yield open_socket
    for socket in opened:
        with contextlib.suppress(Exception, asyncio.CancelledError):  # already closed, or the test failed
            await socket.close()
    # The database thread's connection (the test database is dropped at the end of the run).
    await database_sync_to_async(connections.close_all)()
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
    if hasattr(layer, "close_pools"):
        await layer.close_pools()
    channel_layers.backends.pop("default", None)


# --- real daphne processes (tests/chat/live.py has their client) ----------------------------------


@pytest.fixture
def server_env() -> dict:
    env = {"CHAT_RATE_LIMIT_MESSAGES": "100000", "LOG_LEVEL": "WARNING"}
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        prefix = f"chat-test-{uuid.uuid4().hex[:8]}"
        env.update(REDIS_URL=redis_url, CHANNEL_LAYER_PREFIX=prefix, CACHE_KEY_PREFIX=prefix)
    else:
        env["REDIS_URL"] = ""
    return env


@pytest.fixture
def servers(server_env):
    """``servers(n, env=None)`` starts n daphne processes sharing the test database (and Redis);
    ``servers.restart(server)`` starts a new process on a dead one's port. All are stopped at
    the end."""
    started: list[DaphneServer] = []

    def start(count: int = 1, env: dict | None = None) -> list[DaphneServer]:
        new = [DaphneServer(env_extra={**server_env, **(env or {})}) for _ in range(count)]
        for server in new:
            started.append(server.start())
        return new

    def restart(server: DaphneServer) -> DaphneServer:
        replacement = DaphneServer(env_extra=server_env, port=server.port)
        started.append(replacement)
        return replacement.start()

    start.restart = restart
    yield start
    for server in started:
        server.stop()
