"""The chat survives its back ends: a channel layer whose reads fail (Redis restarting, read
timeouts), an idle socket on the real Redis layer, and a database that goes away and returns.

The Redis tests run when ``REDIS_URL`` is set (CI sets it); the rest run on either layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.db import connections

from chat import fanout, rooms, services
from chat.models import Message
from tests.chat.live import Client, cookies_for, needs_redis

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("REDIS_URL", "")


@database_sync_to_async
def post(user, room, body: str, client_id: str = ""):
    return services.message_post(author=user, room=room, body=body, client_id=client_id)


# --- the layer's receive() on the real Redis ------------------------------------------------------


@needs_redis
async def test_an_idle_redis_layer_receive_waits_without_raising(settings):
    """The read the hub and every consumer keep open: idle for 14 s (nearly three of the layer's
    5 s blocking pops), then a message arrives. Both the configured layer and a layer built with
    channels-redis's defaults (which depend on the installed redis-py) must wait, not raise."""
    from channels_redis.core import RedisChannelLayer

    channel_layers.backends.pop("default", None)
    prefix = f"idle-{uuid.uuid4().hex[:8]}"
    configured = RedisChannelLayer(**{**settings.CHANNEL_LAYERS["default"]["CONFIG"], "prefix": prefix})
    plain = RedisChannelLayer(hosts=[REDIS_URL], prefix=prefix + "-plain")
    try:
        channels = [await configured.new_channel(), await plain.new_channel()]
        reads = [asyncio.ensure_future(configured.receive(channels[0])),
                 asyncio.ensure_future(plain.receive(channels[1]))]
        await asyncio.sleep(14)
        for read in reads:
            assert not read.done(), read.exception() if read.done() else None
        await configured.send(channels[0], {"type": "hello", "n": 1})
        await plain.send(channels[1], {"type": "hello", "n": 2})
        assert (await asyncio.wait_for(reads[0], 5)) == {"type": "hello", "n": 1}
        assert (await asyncio.wait_for(reads[1], 5)) == {"type": "hello", "n": 2}
    finally:
        for layer in (configured, plain):
            await layer.flush()
            await layer.close_pools()


# --- an idle socket through a real daphne on Redis ------------------------------------------------


@needs_redis
@pytest.mark.server
async def test_an_idle_websocket_on_redis_stays_open_for_20_seconds_and_still_receives(
        servers, product, shopper, other_shopper):
    (server,) = await asyncio.to_thread(servers, 1)
    key = rooms.product_key(product.pk)
    cookies = await database_sync_to_async(cookies_for)(shopper, other_shopper)
    reader = await Client(server, cookies[0]).connect()
    try:
        await reader.subscribe(key)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while (remaining := deadline - loop.time()) > 0:  # only presence frames may come meanwhile
            try:
                frame = await reader.receive(timeout=remaining)
            except TimeoutError:
                break
            assert frame["type"] in ("presence", "notification"), frame
        writer = await Client(server, cookies[1]).connect()
        await writer.send(type="send", room=key, client_id="after-idle", body="Вы ещё здесь?")
        frame = await reader.receive("message")
        assert frame["message"]["client_id"] == "after-idle"
        await writer.close()
    finally:
        await reader.close()
        await asyncio.to_thread(server.stop)
    log = server.log_path.read_text()
    assert "Exception inside application" not in log
    assert "cannot read from the channel layer" not in log


# --- a layer whose reads fail -------------------------------------------------------------------


@pytest.fixture
def flaky_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"],
                                           "BACKEND": "tests.chat.flaky_layer.FlakyLayer"}}
    if REDIS_URL:
        config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
        settings.CHANNEL_LAYERS["default"]["CONFIG"] = {**config, "prefix": f"flaky-{uuid.uuid4().hex[:8]}"}
    channel_layers.backends.pop("default", None)
    yield
    channel_layers.backends.pop("default", None)


async def test_a_socket_survives_failing_layer_reads_and_still_receives(
        flaky_layer, sockets, product_room, shopper, other_shopper, caplog):
    caplog.set_level(logging.WARNING, logger="chat.fanout")
    key = rooms.room_key(product_room)
    reader = await sockets(shopper)
    layer = get_channel_layer()
    assert type(layer).__name__ == "FlakyLayer"
    assert await reader.subscribe(key) == []
    errors_before = fanout.stats["receive_errors"]

    # The socket's own channel (notifications): its waiting read fails when a notification
    # arrives, then three more reads fail at once. Channels would close the socket with 1011.
    hub = fanout.hub_for(layer)
    layer.fails = lambda channel: channel != hub.channel
    layer.fail_reads = 4
    await layer.group_send(rooms.user_group(shopper.pk), {"type": "chat.notify", "text": '{"v":1,"type":"x"}'})
    async with asyncio.timeout(15):
        while layer.fail_reads:
            await asyncio.sleep(0.05)
    await reader.send(type="read", room=key, upto=0)  # the socket still answers frames…
    await reader.nothing(0.3)
    await layer.group_send(rooms.user_group(shopper.pk), {"type": "chat.notify",
                                                          "text": '{"v":1,"type":"notification","kind":"ping"}'})
    assert (await reader.find("notification", kind="ping", timeout=10))["kind"] == "ping"  # …and receives

    # The hub's read fails when a room message arrives: that message is lost by the layer, and
    # refilled from the database when the next one reveals the gap.
    layer.fails = lambda channel: channel == hub.channel
    layer.fail_reads = 1
    first = await post(other_shopper, product_room, "Первое, потерянное слоем")
    async with asyncio.timeout(10):
        while layer.fail_reads:
            await asyncio.sleep(0.05)
    second = await post(other_shopper, product_room, "Второе")
    got = [(await reader.frame("message", timeout=15))["message"]["id"] for _ in range(2)]
    assert got == [first.pk, second.pk]
    await reader.nothing(0.5)

    assert layer.failed == 5 and fanout.stats["receive_errors"] - errors_before == 5
    # Logged once per incident and reader (the socket, the hub): a warning when its reads start
    # failing, one line when they work again — never one line per failed read.
    incidents: dict[str, list[str]] = {}
    for record in caplog.records:
        text = record.getMessage()
        if "cannot read from the channel layer" in text:
            incidents.setdefault(record.args[0], []).append("down")
        elif "reads from the channel layer again" in text:
            incidents.setdefault(record.args[0], []).append("up")
    assert incidents == {"a chat socket": ["down", "up"], f"the hub {hub.process}": ["down", "up"]}


# --- the database goes away and comes back --------------------------------------------------------


def _break_database() -> dict:
    """Point the default database at an address where nothing answers; return what to restore."""
    settings_dict = connections.settings["default"]
    saved = dict(settings_dict)
    if settings_dict["ENGINE"].endswith("postgresql"):
        from tests.conftest import free_port

        settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    else:
        settings_dict.update(NAME="/nonexistent-directory/db.sqlite3")
    connections.close_all()
    return saved


def _restore_database(saved: dict) -> None:
    connections.settings["default"].update(saved)
    connections.close_all()


async def test_a_socket_gets_an_unavailable_error_while_the_database_is_down_and_recovers(
        sockets, product_room, shopper):
    key = rooms.room_key(product_room)
    writer = await sockets(shopper)
    assert await writer.subscribe(key) == []
    saved = await database_sync_to_async(_break_database)()
    try:
        await writer.send(type="send", room=key, client_id="down-1", body="База недоступна?")
        error = await writer.frame("error", timeout=20)
        assert error["code"] == "unavailable" and error["client_id"] == "down-1"
        assert "недоступен" in error["detail"]
        await writer.send(type="subscribe", room=key)
        assert (await writer.frame("error", timeout=20))["code"] == "unavailable"
    finally:
        await database_sync_to_async(_restore_database)(saved)
    # The same socket works again: the resend is stored once.
    await writer.send(type="send", room=key, client_id="down-1", body="База недоступна?")
    ack = await writer.find("ack", client_id="down-1", timeout=10)
    assert await database_sync_to_async(Message.objects.filter(client_id="down-1").count)() == 1
    assert ack["id"] == (await database_sync_to_async(Message.objects.get)(client_id="down-1")).pk


async def test_the_hub_logs_a_failing_heartbeat_once_per_database_outage(
        sockets, product_room, shopper, monkeypatch, caplog):
    from chat import recovery

    caplog.set_level(logging.WARNING, logger="chat.fanout")
    monkeypatch.setattr(recovery, "HEARTBEAT_SECONDS", 0.1)
    reader = await sockets(shopper)
    assert await reader.subscribe(rooms.room_key(product_room)) == []
    hub = fanout.hub_for(get_channel_layer())
    errors_before = fanout.stats["heartbeat_errors"]
    saved = await database_sync_to_async(_break_database)()
    try:
        async with asyncio.timeout(20):
            while fanout.stats["heartbeat_errors"] - errors_before < 5:  # five beats fail
                await asyncio.sleep(0.05)
    finally:
        await database_sync_to_async(_restore_database)(saved)
    tick = hub.tick
    async with asyncio.timeout(20):
        while not any("heartbeat works again" in r.getMessage() for r in caplog.records):
            await asyncio.sleep(0.05)
    failed = [r for r in caplog.records if "heartbeat failed" in r.getMessage()]
    again = [r for r in caplog.records if "heartbeat works again" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None  # the traceback once, not every beat
    assert len(again) == 1 and again[0].args[1] == fanout.stats["heartbeat_errors"] - errors_before >= 5
    assert hub.tick > tick


# --- the writer's own connection (chat.ingest) ------------------------------------------------------


def _writer_connection_open() -> bool:
    return connections["default"].connection is not None


def _writer_backend_pid() -> int:
    return connections["default"].connection.info.backend_pid


def _terminate(pid: int) -> None:
    """Drop one PostgreSQL connection from the server's side, as a restart or a failover does."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


async def test_the_writer_keeps_its_connection_while_sends_come_and_closes_it_when_idle(
        sockets, product_room, shopper, settings):
    from chat.ingest import ingest_for_loop

    settings.CHAT_WRITER_IDLE_SECONDS = 0.5
    key = rooms.room_key(product_room)
    writer = await sockets(shopper)
    await writer.send(type="send", room=key, client_id="kept-1", body="первое")
    await writer.find("ack", client_id="kept-1", timeout=10)
    ingest = ingest_for_loop()
    assert await ingest.in_writer_thread(_writer_connection_open)
    await writer.send(type="send", room=key, client_id="kept-2", body="второе")
    await writer.find("ack", client_id="kept-2", timeout=10)
    assert await ingest.in_writer_thread(_writer_connection_open)
    async with asyncio.timeout(10):
        while await ingest.in_writer_thread(_writer_connection_open):
            await asyncio.sleep(0.1)
    # Idle, it holds none; the next send connects again.
    await writer.send(type="send", room=key, client_id="kept-3", body="третье")
    await writer.find("ack", client_id="kept-3", timeout=10)
    stored = await database_sync_to_async(lambda: sorted(Message.objects.values_list("client_id", flat=True)))()
    assert stored == ["kept-1", "kept-2", "kept-3"]


async def test_a_writer_stopped_midway_starts_again_on_the_next_send(sockets, product_room, shopper):
    from chat.ingest import ingest_for_loop

    key = rooms.room_key(product_room)
    writer = await sockets(shopper)
    await writer.send(type="send", room=key, client_id="again-1", body="первое")
    await writer.find("ack", client_id="again-1", timeout=10)
    ingest = ingest_for_loop()
    stopped = ingest.writer
    stopped.cancel()  # as when its task is torn down: its thread is shut down with it
    with contextlib.suppress(asyncio.CancelledError):
        await stopped
    await writer.send(type="send", room=key, client_id="again-2", body="второе")
    ack = await writer.find("ack", client_id="again-2", timeout=10)
    assert ingest.writer is not stopped
    stored = await database_sync_to_async(lambda: list(Message.objects.order_by("pk").values_list("client_id", "pk")))()
    assert stored[-1] == ("again-2", ack["id"])


needs_postgresql = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                      reason="drops a connection from the server's side (pg_terminate_backend)")


@needs_postgresql
async def test_a_batch_on_a_connection_the_database_dropped_is_stored_on_a_new_one(sockets, product_room, shopper):
    from chat.ingest import ingest_for_loop

    key = rooms.room_key(product_room)
    writer, reader = await sockets(shopper), await sockets(shopper)
    assert await reader.subscribe(key) == []
    await writer.send(type="send", room=key, client_id="drop-1", body="до")
    await writer.find("ack", client_id="drop-1", timeout=10)
    ingest = ingest_for_loop()
    pid = await ingest.in_writer_thread(_writer_backend_pid)
    await database_sync_to_async(_terminate)(pid)
    await writer.send(type="send", room=key, client_id="drop-2", body="после")
    ack = await writer.find("ack", client_id="drop-2", timeout=10)
    assert await ingest.in_writer_thread(_writer_backend_pid) != pid
    async with asyncio.timeout(10):  # and broadcast as usual
        while (await reader.frame("message", timeout=10))["message"]["id"] != ack["id"]:
            pass
    rows = await database_sync_to_async(lambda: list(Message.objects.order_by("pk").values_list("client_id", "pk")))()
    assert rows == [("drop-1", rows[0][1]), ("drop-2", ack["id"])]


@needs_postgresql
async def test_a_send_during_an_outage_on_a_kept_connection_gets_unavailable_and_the_next_one_is_stored(
        sockets, product_room, shopper):
    from chat.ingest import ingest_for_loop

    key = rooms.room_key(product_room)
    writer = await sockets(shopper)
    await writer.send(type="send", room=key, client_id="out-1", body="до")
    await writer.find("ack", client_id="out-1", timeout=10)
    pid = await ingest_for_loop().in_writer_thread(_writer_backend_pid)
    await database_sync_to_async(_terminate)(pid)  # the writer's connection is gone…
    saved = await database_sync_to_async(_break_database)()  # …and no new one can be made
    try:
        await writer.send(type="send", room=key, client_id="out-2", body="во время")
        error = await writer.find("error", client_id="out-2", timeout=20)
        assert error["code"] == "unavailable"
    finally:
        await database_sync_to_async(_restore_database)(saved)
    await writer.send(type="send", room=key, client_id="out-2", body="во время")
    ack = await writer.find("ack", client_id="out-2", timeout=10)
    rows = await database_sync_to_async(lambda: list(Message.objects.order_by("pk").values_list("client_id", "pk")))()
    assert rows == [("out-1", rows[0][1]), ("out-2", ack["id"])]
