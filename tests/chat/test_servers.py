"""Real daphne processes and websocket clients (the ``websockets`` library).

* Two processes on free ports share the real Redis channel layer: clients connected to
  different processes see each other's messages (and each other's presence).
* The kill test: while a client streams 500 messages, the process the receiver is connected
  to is killed (SIGKILL) and restarted; after reconnecting with ``since`` the receiver has all
  500 exactly once, in order. With Redis the sender streams through a second process; without
  it both use the killed process, and the sender resends what was not acknowledged (the same
  ``client_id`` returns the stored message).
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from websockets.exceptions import ConnectionClosed

from tests.chat.live import REDIS_URL, Client, cookies_for, needs_redis

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

@needs_redis
async def test_clients_on_two_processes_see_each_others_messages(servers, product, shopper, other_shopper):
    first, second = await asyncio.to_thread(servers, 2)
    key = f"product:{product.pk}"
    cookies = await database_sync_to_async(cookies_for)(shopper, other_shopper)
    alice = await Client(first, cookies[0]).connect()
    bob = await Client(second, cookies[1]).connect()
    try:
        await alice.subscribe(key)
        await bob.subscribe(key)
        await alice.send(type="send", room=key, client_id="a-1", body="Привет из первого процесса")
        frame = await bob.receive("message")
        assert frame["message"]["client_id"] == "a-1" and "первого процесса" in frame["message"]["html"]
        await bob.send(type="send", room=key, client_id="b-1", body="И тебе привет из второго")
        while (frame := await alice.receive("message"))["message"]["client_id"] != "b-1":
            pass
        # Presence is counted per process and shared through the layer.
        async with asyncio.timeout(10):
            while (await alice.receive("presence"))["online"] != 2:
                pass
    finally:
        await alice.close()
        await bob.close()


@pytest.mark.slow
async def test_a_receiver_gets_all_500_messages_once_and_in_order_across_a_killed_process(
        servers, product, shopper, other_shopper):
    total = 500
    key = f"product:{product.pk}"
    started = await asyncio.to_thread(servers, 2 if REDIS_URL else 1)
    receiver_server, sender_server = started[0], started[-1]
    cookies = await database_sync_to_async(cookies_for)(shopper, other_shopper)
    received: list[str] = []  # client_ids in the order they reached the receiver (duplicates kept)
    last_id = 0
    first_batch = asyncio.Event()
    restarted = asyncio.Event()
    received_at_kill = 0

    async def sender() -> None:
        client_ids = [f"k-{n:03d}" for n in range(total)]
        unacked: dict[str, int] = {}
        position = 0
        client = Client(sender_server, cookies[0])
        while True:
            try:
                await client.connect(attempts=60)
                for client_id in list(unacked):  # resend: the same client_id returns the stored message
                    await client.send(type="send", room=key, client_id=client_id, body=f"Сообщение {client_id}")
                while position < total or unacked:
                    while position < total and len(unacked) < 10:
                        client_id = client_ids[position]
                        unacked[client_id] = position
                        position += 1
                        await client.send(type="send", room=key, client_id=client_id, body=f"Сообщение {client_id}")
                        await asyncio.sleep(0.005)
                    frame = await client.receive("ack", "error", timeout=30)
                    assert frame["type"] == "ack", frame
                    unacked.pop(frame["client_id"], None)
                await client.close()
                return
            except (ConnectionClosed, OSError):
                await client.close()
                await asyncio.sleep(0.2)

    async def receiver() -> None:
        nonlocal last_id
        client = Client(receiver_server, cookies[1])
        since = None
        while len(set(received)) < total:
            try:
                await client.connect(attempts=80)
                for message in await client.subscribe(key, since):
                    received.append(message["client_id"])
                    last_id = message["id"]
                while len(set(received)) < total:
                    frame = await client.receive("message", timeout=30)
                    received.append(frame["message"]["client_id"])
                    last_id = frame["message"]["id"]
                    if len(received) >= 100:
                        first_batch.set()
            except (ConnectionClosed, OSError):
                await client.close()
                since = last_id  # resume after the last message seen
                await restarted.wait()
        await client.close()

    async def killer() -> None:
        nonlocal received_at_kill
        await first_batch.wait()
        received_at_kill = len(set(received))
        receiver_server.process.kill()  # SIGKILL: no goodbye, no cleanup
        await asyncio.to_thread(receiver_server.process.wait)
        receiver_server.log.close()
        await asyncio.to_thread(servers.restart, receiver_server)
        restarted.set()

    async with asyncio.timeout(120):
        await asyncio.gather(sender(), receiver(), killer())
    assert 100 <= received_at_kill < total, "the process was killed in the middle of the stream"
    assert len(received) == total, f"{len(received) - len(set(received))} duplicates"
    assert received == [f"k-{n:03d}" for n in range(total)]


async def test_anonymous_clients_on_a_real_server_read_but_cannot_write(servers, product):
    (server,) = await asyncio.to_thread(servers, 1)
    key = f"product:{product.pk}"
    client = await Client(server).connect()
    try:
        assert await client.subscribe(key) == []
        await client.send(type="send", room=key, client_id="anon", body="Можно?")
        assert (await client.receive("error"))["code"] == "auth_required"
        await client.ws.send("x" * 9000)
        assert (await client.receive("error"))["code"] == "too_large"
        assert await client.subscribe(key) == []  # still open
    finally:
        await client.close()
