"""The websocket consumer, driven through the real ASGI stack (origin check, session auth,
channel layer) with WebsocketCommunicator: every frame type and every security rule."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from chat import fanout, recovery, rooms, services
from chat.models import Message, Room, RoomKind
from chat.support import services as support_services
from community.moderation.models import Status
from tests.chat.conftest import set_send_limit

pytestmark = pytest.mark.django_db(transaction=True)


def product_key(product) -> str:
    return rooms.product_key(product.pk)


@database_sync_to_async
def stored(**filters) -> list[Message]:
    return list(Message.objects.filter(**filters).order_by("id"))


@database_sync_to_async
def post(user, room, body="Привет", client_id=""):
    return services.message_post(author=user, room=room, body=body, client_id=client_id)


def ids(messages) -> list[int]:
    return [m["id"] for m in messages]


# --- handshake and reading ---------------------------------------------------------------------


async def test_subscribing_sends_the_latest_page_or_everything_after_since(sockets, product, shopper, settings):
    set_send_limit(settings, 1000)
    reader = await sockets()
    assert await reader.subscribe(product_key(product)) == []
    assert not await database_sync_to_async(Room.objects.exists)()
    room = await database_sync_to_async(services.product_room_for)(product)
    await reader.close()
    posted = [(await post(shopper, room, f"Сообщение {n}")).pk for n in range(260)]

    reader = await sockets()
    await reader.send(type="subscribe", room=product_key(product))
    latest = await reader.frame("history")
    assert ids(latest["messages"]) == posted[-50:] and latest["older"] is True and latest["last_id"] == posted[-1]
    html = latest["messages"][-1]["html"]
    assert "Сообщение 259" in html and 'class="chat-message"' in html and latest["messages"][-1]["author"] == "hamlet"

    resumed = await sockets()
    assert ids(await resumed.subscribe(product_key(product), since=posted[9])) == posted[10:]


async def test_subscriptions_to_rooms_one_may_not_read_are_refused(sockets, outsider, direct_room, ticket):
    anonymous, stranger = await sockets(), await sockets(outsider)
    for key in (rooms.room_key(direct_room), rooms.room_key(ticket.room), "lounge"):
        await anonymous.send(type="subscribe", room=key, since=None)
        error = await anonymous.frame("error")
        assert error["code"] == "auth_required" and error["room"] == key
        await stranger.send(type="subscribe", room=key)
        assert (await stranger.frame("error"))["code"] == "forbidden"
    for key in ("room:999999", "product:999999", "nonsense", 42):
        await stranger.send(type="subscribe", room=key)
        assert (await stranger.frame("error"))["code"] == "not_found"


# --- sending ---------------------------------------------------------------------------------


async def test_a_message_is_acknowledged_and_reaches_every_subscriber(sockets, product, shopper, other_shopper):
    key = product_key(product)
    sender, reader = await sockets(shopper), await sockets(other_shopper)
    await sender.subscribe(key)
    await reader.subscribe(key)
    await sender.send(type="send", room=key, client_id="c-1", body="Кто брал этот ноутбук?")
    got = await sender.each("ack", "message")
    (message,) = await stored()
    assert got["ack"] == {"v": 1, "type": "ack", "room": key, "client_id": "c-1", "id": message.pk}
    for frame in (got["message"], await reader.frame("message")):
        assert frame["message"]["id"] == message.pk and frame["message"]["client_id"] == "c-1"
        assert "Кто брал этот ноутбук?" in frame["message"]["html"]
    # The product's room row was created with its first message.
    assert await database_sync_to_async(Room.objects.filter(kind=RoomKind.PRODUCT, product=product).count)() == 1


async def test_a_resend_with_the_same_client_id_is_acknowledged_with_the_same_id(sockets, product, shopper):
    key = product_key(product)
    sender, reader = await sockets(shopper), await sockets()
    await reader.subscribe(key)
    await sender.send(type="send", room=key, client_id="same", body="Один раз")
    await sender.send(type="send", room=key, client_id="same", body="Один раз")
    first, second = await sender.frame("ack"), await sender.frame("ack")
    assert first["id"] == second["id"]
    assert len(await stored()) == 1
    assert (await reader.frame("message"))["message"]["id"] == first["id"]
    await reader.nothing()


async def test_sends_that_are_not_allowed_get_errors_and_store_nothing(sockets, product_room, shopper, moderator):
    key = rooms.room_key(product_room)
    anonymous = await sockets()
    await anonymous.subscribe(key)
    await anonymous.send(type="send", room=key, client_id="x", body="Аноним")
    error = await anonymous.frame("error")
    assert error["code"] == "auth_required" and error["client_id"] == "x" and error["detail"]
    await anonymous.send(type="typing", room=key)
    await anonymous.send(type="read", room=key, upto=1)
    await anonymous.nothing()

    sender = await sockets(shopper)
    await sender.send(type="send", room=key, body="Без идентификатора")
    assert (await sender.frame("error"))["code"] == "bad_frame"
    await sender.send(type="send", room=key, client_id="long", body="я" * 2001)
    error = await sender.frame("error")
    assert error["code"] == "invalid" and "2000" in error["detail"] and error["client_id"] == "long"
    await database_sync_to_async(services.room_mute)(moderator=moderator, room=product_room, user=shopper, minutes=30)
    await sender.send(type="send", room=key, client_id="m", body="Можно?")
    assert (await sender.frame("error"))["code"] == "muted"
    assert await stored() == []


async def test_more_than_ten_messages_in_ten_seconds_are_rate_limited(sockets, product, shopper):
    key = product_key(product)
    sender = await sockets(shopper)
    for n in range(11):
        await sender.send(type="send", room=key, client_id=f"r-{n}", body=f"№{n}")
    outcomes = [await sender.frame("ack", "error") for _ in range(11)]
    assert [f["type"] for f in outcomes] == ["ack"] * 10 + ["error"]
    assert outcomes[-1]["code"] == "rate_limited" and outcomes[-1]["client_id"] == "r-10"
    assert len(await stored()) == 10


async def test_blocks_are_checked_on_subscribe_and_on_every_send(sockets, shopper, other_shopper, direct_room):
    key = rooms.room_key(direct_room)
    sender = await sockets(shopper)
    await sender.subscribe(key)
    await sender.send(type="send", room=key, client_id="before", body="Привет")
    await sender.each("ack", "message")
    await database_sync_to_async(services.user_block)(blocker=other_shopper, blocked=shopper)
    await sender.send(type="send", room=key, client_id="after", body="Ау")
    assert (await sender.frame("error"))["code"] == "blocked"
    # Subscribing again: read-only, and no presence or typing between them.
    await sender.send(type="subscribe", room=key, since=0)
    history = await sender.frame("history")
    assert history["can_write"] is False and history["code"] == "blocked" and len(history["messages"]) == 1
    await sender.send(type="typing", room=key)
    await sender.nothing(timeout=1.0, ignore=("notification",))
    assert len(await stored()) == 1


async def test_strangers_cannot_send_to_a_ticket_and_nobody_to_a_closed_one(sockets, outsider, shopper, ticket):
    key = rooms.room_key(ticket.room)
    stranger = await sockets(outsider)
    await stranger.send(type="send", room=key, client_id="s", body="Я тоже")
    assert (await stranger.frame("error"))["code"] == "forbidden"
    await database_sync_to_async(support_services.ticket_close)(actor=shopper, ticket=ticket)
    customer = await sockets(shopper)
    await customer.send(type="send", room=key, client_id="c", body="Ещё")
    assert (await customer.frame("error"))["code"] == "ticket_closed"
    assert len(await stored()) == 1


async def test_the_lounge_is_for_experts(sockets, expert, shopper):
    outsider_socket = await sockets(shopper)
    await outsider_socket.send(type="send", room="lounge", client_id="l1", body="Пустите")
    assert (await outsider_socket.frame("error"))["code"] == "forbidden"
    member = await sockets(expert)
    await member.subscribe("lounge")
    await member.send(type="send", room="lounge", client_id="l2", body="Коллеги, привет")
    assert (await member.each("ack", "message"))["message"]["message"]["author"] == "yorick"


# --- bad frames ---------------------------------------------------------------------------------


async def test_bad_frames_get_errors_and_the_socket_stays_open(sockets, product, shopper):
    socket = await sockets(shopper)
    await socket.send_raw("{not json")
    assert (await socket.frame("error"))["code"] == "bad_json"
    await socket.send_raw("[1, 2, 3]")
    assert (await socket.frame("error"))["code"] == "bad_frame"
    await socket.send(type="dance")
    error = await socket.frame("error")
    assert error["code"] == "unknown_type" and error["detail"]
    await socket.send_raw(json.dumps({"v": 2, "type": "subscribe", "room": product_key(product)}))
    assert (await socket.frame("error"))["code"] == "unsupported_version"
    await socket.send_raw(data=b"\x00\x01")
    assert (await socket.frame("error"))["code"] == "bad_frame"
    await socket.send(type="subscribe", room=product_key(product), since="yesterday")
    assert (await socket.frame("error"))["code"] == "bad_frame"
    await socket.send(type="read", room=product_key(product), upto=-1)
    assert (await socket.frame("error"))["code"] == "bad_frame"
    await socket.send(type="typing", room=product_key(product))
    assert (await socket.frame("error"))["code"] == "not_subscribed"
    # Over 8 KB: refused, nothing stored; 2,000 Cyrillic letters (4,000 bytes of UTF-8) pass.
    await socket.send(type="send", room=product_key(product), client_id="big", body="x" * 9000)
    assert (await socket.frame("error"))["code"] == "too_large"
    assert await stored() == []
    await socket.send(type="send", room=product_key(product), client_id="ok", body="я" * 2000)
    assert (await socket.frame("ack"))["client_id"] == "ok"
    assert len(await socket.subscribe(product_key(product))) == 1


# --- live behaviour -----------------------------------------------------------------------------


async def test_typing_and_presence_reach_the_other_readers(sockets, product, shopper, other_shopper):
    key = product_key(product)
    writer, reader = await sockets(shopper), await sockets(other_shopper)
    await writer.subscribe(key)
    await reader.subscribe(key)
    await writer.send(type="typing", room=key)
    typing = await reader.frame("typing")
    assert typing["user"]["username"] == "hamlet" and typing["room"] == key
    deadline = asyncio.get_running_loop().time() + 3
    online = 0
    while online != 2 and asyncio.get_running_loop().time() < deadline:
        online = (await reader.frame("presence"))["online"]
    assert online == 2


async def test_an_edit_a_deletion_and_a_hidden_message_update_open_rooms(sockets, product_room, shopper, moderator):
    key = rooms.room_key(product_room)
    reader = await sockets()
    await reader.subscribe(key)
    first = await post(shopper, product_room, "Опечатка")
    second = await post(shopper, product_room, "Реклама")
    assert (await reader.frame("message"))["message"]["id"] == first.pk
    assert (await reader.frame("message"))["message"]["id"] == second.pk
    await database_sync_to_async(services.message_edit)(author=shopper, message=first, body="Исправлено")
    edited = await reader.frame("message")
    assert edited["change"] == "edited" and "Исправлено" in edited["message"]["html"]
    await database_sync_to_async(services.message_hide)(moderator=moderator, message=second, reason="Реклама")
    hidden = await reader.frame("message")
    assert hidden["change"] == "removed" and hidden["message"] == {"id": second.pk}
    await database_sync_to_async(services.message_delete)(actor=shopper, message=first)
    assert (await reader.frame("message"))["message"] == {"id": first.pk}
    assert await reader.subscribe(key, since=0) == []


async def test_direct_messages_notify_the_other_side_with_unread_counts(sockets, shopper, other_shopper, direct_room):
    key = rooms.room_key(direct_room)
    sender, receiver = await sockets(shopper), await sockets(other_shopper)
    await sender.send(type="send", room=key, client_id="d1", body="Привет!")
    ack = await sender.frame("ack")
    notification = await receiver.frame("notification")
    assert notification["kind"] == "message" and notification["unread"] == 1 and notification["room"] == key
    await receiver.send(type="read", room=key, upto=ack["id"])
    assert (await receiver.frame("notification"))["unread"] == 0


async def test_tickets_are_live_for_staff_and_the_customer(sockets, shopper, staff):
    agent = await sockets(staff)
    ticket = await database_sync_to_async(support_services.ticket_open)(customer=shopper, subject="Возврат",
                                                                body="Хочу вернуть товар")
    opened = await agent.frame("notification")
    assert opened["kind"] == "ticket_opened" and opened["ticket"] == "T-000001"
    key = rooms.room_key(ticket.room)
    customer = await sockets(shopper)
    await customer.subscribe(key)
    await agent.subscribe(key)
    await agent.send(type="send", room=key, client_id="t1", body="Проверяем ваш заказ")
    await agent.each("ack", "message")
    message = (await customer.frame("message"))["message"]
    assert message["author"] is None and message["staff"] is True  # «Служба поддержки» (test_privacy)
    frame = await customer.find("notification", kind="ticket")
    assert frame["status"] == "waiting" and frame["ticket"] == ticket.code and frame["room"] == key


# --- no gaps, no duplicates ----------------------------------------------------------------------


async def test_messages_posted_while_subscribing_arrive_once_and_in_order(sockets, product_room, shopper, settings):
    """Join first, then read the database: a writer racing the subscription loses nothing."""
    set_send_limit(settings, 10_000)
    key = rooms.room_key(product_room)
    readers = [await sockets() for _ in range(4)]
    posted: list[int] = []

    async def writer():
        for n in range(60):
            posted.append((await post(shopper, product_room, f"№{n}")).pk)

    async def reader(socket, since):
        await asyncio.sleep(0.01 * since)
        seen = ids(await socket.subscribe(key, since=0))
        while len(seen) < 60:
            seen.append((await socket.frame("message", timeout=10))["message"]["id"])
        return seen

    results = await asyncio.gather(writer(), *(reader(socket, n) for n, socket in enumerate(readers)))
    for seen in results[1:]:
        assert seen == posted


async def test_messages_the_layer_dropped_are_refilled_from_the_database(sockets, product_room, shopper, monkeypatch):
    """A stored message whose broadcast never arrived is detected by the next one's ``prev``
    (or, when it was the last one, by the heartbeat) and delivered from the database."""
    monkeypatch.setattr(recovery, "HEARTBEAT_SECONDS", 0.3)
    key = rooms.room_key(product_room)
    reader = await sockets()
    await reader.subscribe(key)
    gaps = fanout.stats["gaps"]

    @database_sync_to_async
    def store_without_broadcast(body):
        message = Message.objects.create(room=product_room, author=shopper, body=body, body_html=body,
                                         status=Status.PUBLISHED, created=timezone.now())
        Room.objects.filter(pk=product_room.pk).update(last_message_id=message.pk)
        return message

    lost = await store_without_broadcast("Потерянное")
    after = await post(shopper, product_room, "Следующее")
    received = [(await reader.frame("message"))["message"]["id"] for _ in range(2)]
    assert received == [lost.pk, after.pk]
    assert fanout.stats["gaps"] > gaps

    last = await store_without_broadcast("Последнее")
    assert (await reader.frame("message", timeout=5))["message"]["id"] == last.pk
    await reader.nothing(ignore=("presence",))


async def test_reconnecting_with_since_resumes_without_gaps_or_duplicates(sockets, product_room, shopper, settings):
    set_send_limit(settings, 1000)
    key = rooms.room_key(product_room)
    reader = await sockets()
    seen = ids(await reader.subscribe(key))
    for n in range(5):
        await post(shopper, product_room, f"до {n}")
    while len(seen) < 5:
        seen.append((await reader.frame("message"))["message"]["id"])
    await reader.close()
    missed = [(await post(shopper, product_room, f"пока не было {n}")).pk for n in range(7)]
    again = await sockets()
    resumed = ids(await again.subscribe(key, since=seen[-1]))
    assert resumed == missed
    live = await post(shopper, product_room, "снова тут")
    assert (await again.frame("message"))["message"]["id"] == live.pk
    await again.nothing(ignore=("presence",))
