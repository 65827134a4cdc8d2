"""Overload is refused, never silent (``chat.ingest``): every send gets exactly one ``ack`` or one
``error``; a send refused as ``overloaded`` is never stored, then or later.

The sockets run on the real ASGI application and channel layer (Redis when ``REDIS_URL`` is
set). The process is pushed past its capacity deterministically: the test occupies the
writer's thread (as a slow database would) while the sends arrive, with a small queue and a
short deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from channels.db import database_sync_to_async

from chat import rooms
from chat.hub_stats import stats
from chat.ingest import ingest_for_loop
from chat.models import Message
from tests.chat.conftest import set_send_limit

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.asynccontextmanager
async def busy_writer_thread():
    """Hold the writer's thread (where it stores) until the block exits (a stalled database)."""
    holding_now, release = threading.Event(), threading.Event()

    def hold() -> None:
        holding_now.set()
        release.wait(30)

    holding = asyncio.ensure_future(ingest_for_loop().in_writer_thread(hold))
    while not holding_now.is_set():
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        release.set()
        await holding


async def writer_busy() -> None:
    """Until the writer has taken a batch (and waits for its thread)."""
    ingest = ingest_for_loop()
    while not ingest.in_flight:
        await asyncio.sleep(0.01)


async def queue_drained(sends: int) -> None:
    """Until ``sends`` sends have reached the queue and each has been taken by the writer or refused."""
    ingest = ingest_for_loop()
    while stats["sends"] < sends or ingest.pending:
        await asyncio.sleep(0.02)


@database_sync_to_async
def stored_client_ids() -> list[str]:
    return sorted(Message.objects.values_list("client_id", flat=True))


async def answers(socket, count: int = 1) -> list[dict]:
    """The next ``count`` answers to sends (acks and errors), then nothing more for a while."""
    got = [await socket.frame("ack", "error", timeout=15) for _ in range(count)]
    await socket.nothing(0.3)
    return got


@pytest.mark.parametrize(("queue", "deadline"), [(3, 1.0), (100, 0.3)], ids=["queue-full", "deadline"])
async def test_a_flood_past_capacity_gets_one_ack_or_one_overloaded_error_per_send_and_refused_sends_are_never_stored(
        settings, sockets, product, shopper, queue, deadline):
    settings.CHAT_SEND_QUEUE, settings.CHAT_SEND_DEADLINE_SECONDS = queue, deadline
    set_send_limit(settings, 1000)
    key = rooms.product_key(product.pk)
    senders = [await sockets(shopper, language="ru" if n % 2 else "en") for n in range(12)]
    refused_before, sends_before = stats["sends_refused"], stats["sends"]
    async with busy_writer_thread():
        for n, socket in enumerate(senders):
            await socket.send(type="send", room=key, client_id=f"flood-{n}", body=f"сообщение {n}")
            if n == 0:
                await asyncio.wait_for(writer_busy(), 10)
        await asyncio.wait_for(queue_drained(sends_before + 12), 20)
    acked, refused = set(), set()
    for n, socket in enumerate(senders):
        (answer,) = await answers(socket)
        assert answer["client_id"] == f"flood-{n}"
        if answer["type"] == "ack":
            acked.add(answer["client_id"])
            continue
        assert answer["code"] == "overloaded", answer
        assert isinstance(answer["retry_after"], int) and answer["retry_after"] >= 1
        assert answer["detail"].startswith("Чат сейчас перегружен" if n % 2 else "The chat is overloaded")
        refused.add(answer["client_id"])
    assert refused, f"the flood was not refused: {stats}"
    assert acked | refused == {f"flood-{n}" for n in range(12)}
    assert stats["sends_refused"] - refused_before == len(refused)
    # What was acknowledged is stored, once; what was refused is not — nor later.
    assert await stored_client_ids() == sorted(acked)
    await asyncio.sleep(0.5)
    assert await stored_client_ids() == sorted(acked)


async def test_a_refused_send_can_be_sent_again_with_the_same_client_id(settings, sockets, product, shopper):
    settings.CHAT_SEND_QUEUE, settings.CHAT_SEND_DEADLINE_SECONDS = 1, 0.2
    key = rooms.product_key(product.pk)
    first, second = await sockets(shopper), await sockets(shopper)
    async with busy_writer_thread():
        await first.send(type="send", room=key, client_id="a-1", body="первое")
        await asyncio.wait_for(writer_busy(), 10)
        await second.send(type="send", room=key, client_id="b-1", body="второе")
        (refused,) = [await second.frame("error", timeout=10)]
        assert refused["code"] == "overloaded"
    assert (await first.frame("ack", timeout=10))["client_id"] == "a-1"
    await second.send(type="send", room=key, client_id="b-1", body="второе")
    ack = await second.frame("ack", timeout=10)
    assert ack["client_id"] == "b-1"
    assert await stored_client_ids() == ["a-1", "b-1"]


async def test_a_send_still_queued_when_its_socket_closes_is_not_stored(settings, sockets, product, shopper):
    settings.CHAT_SEND_DEADLINE_SECONDS = 30
    key = rooms.product_key(product.pk)
    taken, leaving = await sockets(shopper), await sockets(shopper)
    async with busy_writer_thread():
        await taken.send(type="send", room=key, client_id="stays-1", body="остаётся")
        await asyncio.wait_for(writer_busy(), 10)
        await leaving.send(type="send", room=key, client_id="leaves-1", body="уходит")
        while not ingest_for_loop().pending:
            await asyncio.sleep(0.01)
        await leaving.close()
        assert not ingest_for_loop().pending
    assert (await taken.frame("ack", timeout=10))["client_id"] == "stays-1"
    await asyncio.sleep(0.3)
    assert await stored_client_ids() == ["stays-1"]


async def test_concurrent_sends_below_capacity_are_all_acknowledged_and_delivered_in_id_order(
        settings, sockets, product, shopper, other_shopper):
    set_send_limit(settings, 1000)
    key = rooms.product_key(product.pk)
    reader = await sockets(other_shopper)
    await reader.subscribe(key)
    senders = [await sockets(shopper) for _ in range(8)]
    for round_ in range(3):
        for n, socket in enumerate(senders):
            await socket.send(type="send", room=key, client_id=f"c-{round_}-{n}", body=f"{round_}/{n}")
    acks = {}
    for socket in senders:
        for _ in range(3):
            ack = await socket.frame("ack", timeout=15)
            acks[ack["client_id"]] = ack["id"]
    assert len(acks) == 24 and len(set(acks.values())) == 24
    delivered = [(await reader.frame("message", timeout=15))["message"]["id"] for _ in range(24)]
    assert delivered == sorted(acks.values())
    assert await stored_client_ids() == sorted(acks)


def test_the_process_counters_are_answered_to_staff_only(client, shopper, staff):
    assert client.get("/chat/metrics/").status_code == 403
    client.force_login(shopper)
    assert client.get("/chat/metrics/").status_code == 403
    client.force_login(staff)
    stats["sends_refused"] += 0  # present even before the first refusal
    response = client.get("/chat/metrics/")
    assert response.status_code == 200
    data = response.json()
    assert data["hub"]["sends_refused"] == stats["sends_refused"]
    assert {"process", "hub", "broadcast"} <= set(data)



async def test_a_sender_is_answered_at_the_commit_before_the_readers_broadcast_is_built(
        monkeypatch, sockets, product, shopper, other_shopper):
    """The ack waits for the commit only: while the batch's broadcast is still being built (held
    here), the sender already has its ack and the message is stored; the reader gets it after."""
    from chat import broadcast

    building, release = threading.Event(), threading.Event()
    build = broadcast.built

    def held_build(collected):
        building.set()
        release.wait(30)
        return build(collected)

    monkeypatch.setattr(broadcast, "built", held_build)
    key = rooms.product_key(product.pk)
    reader, sender = await sockets(other_shopper), await sockets(shopper)
    await reader.subscribe(key)
    await sender.send(type="send", room=key, client_id="first-1", body="сначала ответ отправителю")
    ack = await sender.frame("ack", timeout=10)  # the build is held until ``release``: not waited for
    while not building.is_set():  # the build comes after the ack, and is held there
        await asyncio.sleep(0.01)
    assert await stored_client_ids() == ["first-1"]
    await reader.nothing(0.3)
    release.set()
    assert (await reader.frame("message", timeout=10))["message"]["id"] == ack["id"]


async def test_a_batch_whose_broadcast_cannot_be_built_is_still_stored_and_acknowledged(
        monkeypatch, sockets, product, shopper, other_shopper):
    """Should building the broadcast fail (the database went away after the commit), the send is
    acknowledged all the same, the failure is counted, and a reader resuming from its last id
    gets the message from the database."""
    from chat import broadcast

    def failing_build(collected):
        raise RuntimeError("the database went away")

    key = rooms.product_key(product.pk)
    reader, sender = await sockets(other_shopper), await sockets(shopper)
    await reader.subscribe(key)
    failed_before = broadcast.stats["failed"]
    monkeypatch.setattr(broadcast, "built", failing_build)
    await sender.send(type="send", room=key, client_id="lost-broadcast-1", body="сохранено, но не разослано")
    ack = await sender.frame("ack", timeout=10)
    assert await stored_client_ids() == ["lost-broadcast-1"]
    await reader.nothing(0.5)
    assert broadcast.stats["failed"] == failed_before + 1
    monkeypatch.undo()
    again = await sockets(other_shopper)
    assert [m["id"] for m in await again.subscribe(key, since=ack["id"] - 1)] == [ack["id"]]
