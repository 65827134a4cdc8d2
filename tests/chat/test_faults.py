"""Fault tests on real processes: chat traffic survives a Redis restart and a killed daphne.

Four websocket clients (two accounts, each with a tab on each of two daphne processes) write
in one product room and read it, the way the page script does: after a dropped connection
they reconnect, subscribe with ``since`` = the last id they saw and resend what was not
acknowledged (the same ``client_id`` returns the stored message). Mid-traffic a fault is
injected; in the end every message stored in the database has reached every client exactly
once and in order, and every message a client sent is stored exactly once.

* Redis restarted: the test runs its own ``redis-server`` on a free port (no persistence, so
  the restarted Redis has lost every group membership and queued message) and kills and
  restarts it while the clients write.
* A daphne process killed (SIGKILL): its clients fail over to the other process.

Both need PostgreSQL (two processes writing one SQLite file would test SQLite's locking
instead); the first needs the ``redis-server`` binary, the second ``REDIS_URL``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from websockets.exceptions import ConnectionClosed, WebSocketException

from tests.chat.live import Client, cookies_for
from tests.conftest import ARTIFACTS, DaphneServer, free_port

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

REDIS_SERVER = shutil.which("redis-server")
REDIS_URL = os.environ.get("REDIS_URL", "")
PER_CLIENT = 60  # messages each of the four clients sends
IN_FLIGHT = 4


needs_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL): two daphne processes write to one database")


class RedisServer:
    """A redis-server of the test's own, on a free loopback port, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.log_path = ARTIFACTS / f"redis-{self.port}.log"

    def start(self) -> RedisServer:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no"], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket

                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Tab:
    """One client: writes ``PER_CLIENT`` messages and records every message it receives."""

    def __init__(self, name: str, servers: list[DaphneServer], cookie: str, key: str) -> None:
        self.name, self.servers, self.cookie, self.key = name, servers, cookie, key
        self.to_send = [f"{name}-{n:03d}" for n in range(PER_CLIENT)]
        self.position = 0
        self.unacked: set[str] = set()
        self.received: list[int] = []  # message ids in arrival order, duplicates kept
        self.last_id: int | None = None
        self.reconnects = 0
        self.acked = 0

    @property
    def done_sending(self) -> bool:
        return self.position >= len(self.to_send) and not self.unacked

    def _record(self, message: dict) -> None:
        self.received.append(message["id"])
        self.last_id = max(self.last_id or 0, message["id"])

    async def _connect(self) -> Client:
        """The first server that answers, in this tab's order (a load balancer failing over)."""
        while True:
            for server in self.servers:
                with contextlib.suppress(TimeoutError, OSError, WebSocketException):
                    return await Client(server, self.cookie).connect()
            await asyncio.sleep(0.2)

    async def run(self, stored: Callable[[], Awaitable[set[int]]], everyone_sent: asyncio.Event) -> None:
        """Send everything, then read until every stored message has arrived."""
        while True:
            client = await self._connect()
            try:
                await client.send(type="subscribe", room=self.key, since=self.last_id)
                while True:
                    frame = await client.receive("history", "error", timeout=10)
                    if frame["type"] == "error":
                        raise ConnectionError(frame)
                    for message in frame["messages"]:
                        self._record(message)
                    if not frame["more"]:
                        break
                for client_id in sorted(self.unacked):  # resend what was never acknowledged
                    await client.send(type="send", room=self.key, client_id=client_id, body=f"Сообщение {client_id}")
                while True:
                    while self.position < len(self.to_send) and len(self.unacked) < IN_FLIGHT:
                        client_id = self.to_send[self.position]
                        self.position += 1
                        self.unacked.add(client_id)
                        await client.send(type="send", room=self.key, client_id=client_id, body=f"Сообщение {client_id}")
                        await asyncio.sleep(0.01)
                    if everyone_sent.is_set() and set(self.received) >= await stored():
                        await client.close()
                        return
                    try:
                        frame = await client.receive("message", "ack", "error", timeout=1 if self.done_sending else 10)
                    except TimeoutError:
                        if self.done_sending:
                            continue  # waiting for others' messages: the server must deliver them
                        raise
                    if frame["type"] == "message" and frame["room"] == self.key and "change" not in frame:
                        self._record(frame["message"])
                    elif frame["type"] == "ack":
                        if frame["client_id"] in self.unacked:
                            self.unacked.discard(frame["client_id"])
                            self.acked += 1
                    elif frame["type"] == "error":  # e.g. server_error while Redis is away: resend later
                        raise ConnectionError(frame)
            except (ConnectionClosed, ConnectionError, OSError, TimeoutError, WebSocketException):
                await client.close()
                self.reconnects += 1
                await asyncio.sleep(0.3)


async def run_traffic(servers: list[DaphneServer], key: str, cookies: tuple[str, str],
                      fault: Callable[[], Awaitable[None]], room_messages) -> list[Tab]:
    """Four tabs (two accounts × two processes) write and read ``key``; ``fault`` is awaited once
    a third of the messages are acknowledged. Returns the tabs after everything arrived."""
    first, second = servers
    tabs = [Tab("a1", [first, second], cookies[0], key), Tab("a2", [second, first], cookies[0], key),
            Tab("b1", [first, second], cookies[1], key), Tab("b2", [second, first], cookies[1], key)]
    everyone_sent = asyncio.Event()
    acked_at_fault = 0

    async def stored() -> set[int]:
        return {pk for pk, _client_id in await database_sync_to_async(room_messages)()}

    async def conductor() -> None:
        nonlocal acked_at_fault
        while sum(tab.acked for tab in tabs) < len(tabs) * PER_CLIENT // 3:
            await asyncio.sleep(0.05)
        acked_at_fault = sum(tab.acked for tab in tabs)
        await fault()
        while not all(tab.done_sending for tab in tabs):
            await asyncio.sleep(0.1)
        everyone_sent.set()

    try:
        async with asyncio.timeout(150):
            await asyncio.gather(conductor(), *(tab.run(stored, everyone_sent) for tab in tabs))
    except TimeoutError:
        total = len(await stored())
        state = "; ".join(f"{tab.name}: sent {tab.position}, unacked {len(tab.unacked)}, received "
                          f"{len(set(tab.received))}/{total}, reconnects {tab.reconnects}" for tab in tabs)
        raise AssertionError(f"traffic did not complete in 150 s ({state})") from None
    assert acked_at_fault < len(tabs) * PER_CLIENT * 2 // 3, "the fault came in the middle of the traffic"
    return tabs


def assert_exactly_once(tabs: list[Tab], messages: list[tuple[int, str]]) -> None:
    ids = [pk for pk, _client_id in messages]
    client_ids = sorted(client_id for _pk, client_id in messages)
    assert client_ids == sorted(cid for tab in tabs for cid in tab.to_send), "each sent message stored exactly once"
    for tab in tabs:
        duplicates = len(tab.received) - len(set(tab.received))
        lost = set(ids) - set(tab.received)
        assert not duplicates and not lost, f"{tab.name}: {len(lost)} lost, {duplicates} duplicated"
        assert tab.received == sorted(tab.received), f"{tab.name}: out of order"


def _room_reader(product):
    from chat.models import Message

    def messages() -> list[tuple[int, str]]:
        try:
            return list(Message.objects.filter(room__product=product).order_by("pk").values_list("pk", "client_id"))
        finally:
            connection.close()

    return messages


def _server_env(redis_url: str) -> dict:
    prefix = f"chat-fault-{uuid.uuid4().hex[:8]}"
    return {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": prefix, "CACHE_KEY_PREFIX": prefix,
            "CHAT_RATE_LIMIT_MESSAGES": "100000", "LOG_LEVEL": "ERROR"}


@pytest.fixture
def started():
    """Processes started by a test (daphne servers, redis), stopped at the end."""
    processes: list = []
    yield processes
    for process in processes:
        if isinstance(process, DaphneServer):
            process.stop()
        else:
            process.kill()


@needs_postgresql
@pytest.mark.skipif(not REDIS_SERVER, reason="needs the redis-server binary: the test runs a Redis of its own")
async def test_chat_traffic_survives_a_redis_restart_with_nothing_lost_or_duplicated(
        started, product, shopper, other_shopper):
    redis = RedisServer().start()
    started.append(redis)
    env = _server_env(redis.url)

    def start_servers() -> list[DaphneServer]:
        servers = [DaphneServer(env_extra=env).start() for _ in range(2)]
        started.extend(servers)
        return servers

    servers = await asyncio.to_thread(start_servers)
    cookies = await database_sync_to_async(cookies_for)(shopper, other_shopper)
    room_messages = _room_reader(product)

    async def restart_redis() -> None:
        await asyncio.to_thread(redis.kill)
        await asyncio.sleep(1.5)  # traffic goes on against a missing Redis
        await asyncio.to_thread(redis.start)

    tabs = await run_traffic(servers, f"product:{product.pk}", cookies, restart_redis, room_messages)
    messages = await database_sync_to_async(room_messages)()
    assert_exactly_once(tabs, messages)
    assert all(server.process.poll() is None for server in servers), "both processes survived"


@needs_postgresql
@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: the processes share rooms only through Redis")
async def test_clients_of_a_killed_process_resume_on_the_other_with_nothing_lost(
        started, product, shopper, other_shopper):
    env = _server_env(REDIS_URL)

    def start_servers() -> list[DaphneServer]:
        servers = [DaphneServer(env_extra=env).start() for _ in range(2)]
        started.extend(servers)
        return servers

    servers = await asyncio.to_thread(start_servers)
    cookies = await database_sync_to_async(cookies_for)(shopper, other_shopper)
    room_messages = _room_reader(product)
    victim = servers[0]

    async def kill_first_process() -> None:
        victim.process.kill()  # SIGKILL: no close frames, no cleanup
        await asyncio.to_thread(victim.process.wait)

    tabs = await run_traffic(servers, f"product:{product.pk}", cookies, kill_first_process, room_messages)
    messages = await database_sync_to_async(room_messages)()
    assert_exactly_once(tabs, messages)
    moved = [tab for tab in tabs if tab.servers[0] is victim]
    assert all(tab.reconnects >= 1 for tab in moved), "the killed process's clients reconnected elsewhere"
