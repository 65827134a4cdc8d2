"""The chat survives its back ends: a channel layer whose reads fail (Redis restarting, read
timeouts), an idle socket on the real Redis layer, and a database that goes away and returns.

The Redis tests run when ``REDIS_URL`` is set (CI sets it); the rest run on either layer.
"""

from __future__ import annotations

import asyncio
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
