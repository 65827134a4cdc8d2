"""Broadcasts that arrive out of order are put back in order, not mistaken for layer drops.

Two daphne processes storing messages in one room each broadcast after their own commit, so
message 2's broadcast can reach the layer before message 1's. The hub holds a message received
ahead of its predecessor for ``CHAT_REORDER_SECONDS``; only what is still missing then counts as
a gap and is refilled from the database. The broadcasts here are the ones the two processes
send, put on the real channel layer by hand in the order the race produces.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chat import frames, rooms, services
from chat.hub_stats import stats
from chat.models import Message, Room
from community.moderation.models import Status

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def store_quietly(author, product, count: int) -> list[tuple[int, int, dict]]:
    """Store ``count`` messages as ``_do_post`` does, without broadcasting them: returns
    (id, previous id, texts) — what each broadcast would carry."""
    room = services.product_room_for(product)
    key = rooms.room_key(room)
    stored = []
    for n in range(count):
        room.refresh_from_db()
        message = Message.objects.create(room=room, author=author, body=f"m{n}", body_html=f"m{n}",
                                         status=Status.PUBLISHED)
        Room.objects.filter(pk=room.pk).update(last_message_id=message.pk, last_message_at=message.created)
        stored.append((message.pk, room.last_message_id, frames.message_texts(message, room=key)))
    return stored


async def broadcast(key: str, message_id: int, previous: int, texts: dict) -> None:
    await get_channel_layer().group_send(rooms.group_name(key), {
        "type": "chat.message", "room": key, "id": message_id, "prev": previous, "texts": texts})


async def test_a_message_that_overtakes_its_predecessor_is_held_and_both_are_delivered_in_order_without_a_refill(
        settings, sockets, product, shopper):
    settings.CHAT_REORDER_SECONDS = 5.0
    key = rooms.product_key(product.pk)
    await database_sync_to_async(services.product_room_for)(product)
    reader = await sockets()
    await reader.subscribe(key)
    (first, first_prev, first_texts), (second, second_prev, second_texts) = await store_quietly(shopper, product, 2)
    gaps, refilled, reordered = stats["gaps"], stats["refilled"], stats["reordered"]
    await broadcast(key, second, second_prev, second_texts)
    await reader.nothing(0.3)  # held: its predecessor has not arrived
    await broadcast(key, first, first_prev, first_texts)
    received = [(await reader.frame("message"))["message"]["id"] for _ in range(2)]
    assert received == [first, second]
    await reader.nothing(0.3)
    assert (stats["gaps"], stats["refilled"]) == (gaps, refilled)
    assert stats["reordered"] == reordered + 1


async def test_a_predecessor_that_never_arrives_is_refilled_from_the_database_after_the_window(
        settings, sockets, product, shopper):
    settings.CHAT_REORDER_SECONDS = 0.2
    key = rooms.product_key(product.pk)
    await database_sync_to_async(services.product_room_for)(product)
    reader = await sockets()
    await reader.subscribe(key)
    (first, _prev, _texts), (second, second_prev, second_texts) = await store_quietly(shopper, product, 2)
    gaps, refilled = stats["gaps"], stats["refilled"]
    await broadcast(key, second, second_prev, second_texts)  # the first one's broadcast was lost
    received = [(await reader.frame("message"))["message"]["id"] for _ in range(2)]
    assert received == [first, second]
    await reader.nothing(0.3)
    assert stats["gaps"] == gaps + 1
    assert stats["refilled"] == refilled + 2


async def test_a_batch_of_messages_in_one_layer_message_is_delivered_one_by_one_in_order_after_a_held_one(
        settings, sockets, product, shopper):
    """The chat's writer joins a batch's messages to one room into one ``chat.messages`` layer
    message (``chat.ingest.coalesce``); another process's batch may overtake it, as above."""
    settings.CHAT_REORDER_SECONDS = 5.0
    key = rooms.product_key(product.pk)
    await database_sync_to_async(services.product_room_for)(product)
    reader = await sockets()
    await reader.subscribe(key)
    stored = await store_quietly(shopper, product, 4)
    refilled = stats["refilled"]
    batch = [{"id": message_id, "prev": previous, "texts": texts} for message_id, previous, texts in stored]
    layer = get_channel_layer()
    await layer.group_send(rooms.group_name(key), {"type": "chat.messages", "room": key, "messages": batch[2:]})
    await reader.nothing(0.3)  # held: the first two have not arrived
    await layer.group_send(rooms.group_name(key), {"type": "chat.messages", "room": key, "messages": batch[:2]})
    received = [(await reader.frame("message"))["message"]["id"] for _ in range(4)]
    assert received == [message_id for message_id, _prev, _texts in stored]
    await reader.nothing(0.3)
    assert stats["refilled"] == refilled
