"""A support ticket shows staff to the customer as «Служба поддержки»: no frame, resume or JSON
page the customer receives carries the staff member's username or name, while staff sockets
still recognise their own messages."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from chat import rooms
from chat.support import services as support_services

pytestmark = pytest.mark.django_db(transaction=True)

STAFF_NAME = "Горацио Штабной"


@database_sync_to_async
def open_assigned_ticket(customer, agent):
    agent.profile.display_name = STAFF_NAME
    agent.profile.save(update_fields=["display_name"])
    ticket = support_services.ticket_open(customer=customer, subject="Возврат", body="Хочу вернуть товар")
    support_services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    return ticket


async def drain(socket, seconds: float = 0.6) -> list[str]:
    """Every frame the socket receives until it stays quiet for ``seconds``, as raw text."""
    texts = [json.dumps(frame, ensure_ascii=False) for frame in socket.skipped]
    socket.skipped.clear()
    # (``receive_nothing`` polls; a ``receive_from`` timeout would cancel the application.)
    while not await socket.communicator.receive_nothing(timeout=seconds):
        texts.append(await socket.communicator.receive_from(timeout=1))
    return texts


def assert_anonymous(texts: list[str]) -> None:
    for text in texts:
        assert "horatio" not in text and STAFF_NAME not in text, text


async def test_the_customer_never_receives_the_staff_members_username_or_name(sockets, shopper, staff):
    ticket = await open_assigned_ticket(shopper, staff)
    key = rooms.room_key(ticket.room)
    customer = await sockets(shopper, language="ru")
    agent = await sockets(staff)
    await customer.subscribe(key)
    await agent.subscribe(key)
    await drain(customer)

    await agent.send(type="typing", room=key)
    await agent.send(type="send", room=key, client_id="s1", body="Проверяем ваш заказ")
    own = (await agent.each("ack", "message"))["message"]
    live = await drain(customer)
    frames = [json.loads(text) for text in live]
    message = next(f for f in frames if f["type"] == "message")["message"]
    assert message["author"] is None and message["staff"] is True and message["name"] == "Служба поддержки"
    typing = next(f for f in frames if f["type"] == "typing")
    assert typing["user"] == {"name": "Служба поддержки", "staff": True}
    assert next(f for f in frames if f.get("kind") == "message")["from_name"] == "Служба поддержки"
    assert_anonymous(live)

    # Staff still recognise their own message (the page script adds their edit/delete links).
    assert own["message"]["author"] == "horatio" and own["message"]["staff"] is True

    # A status change names no assignee to the customer; staff read who it is.
    await database_sync_to_async(support_services.ticket_assign)(actor=staff, ticket=ticket, assignee=staff)
    status = [json.loads(text) for text in await drain(customer)]
    assert next(f for f in status if f.get("kind") == "ticket")["assignee"] == "Служба поддержки"
    assert (await agent.find("notification", kind="ticket"))["assignee"] == STAFF_NAME

    # History on a fresh subscription and the resume after a reconnect.
    for since in (None, 0):
        again = await sockets(shopper)
        await again.send(type="subscribe", room=key, since=since)
        history = await drain(again)
        assert any(json.loads(text)["type"] == "history" and json.loads(text)["messages"] for text in history)
        assert_anonymous(history)

    # The JSON page of older messages and the ticket page itself.
    client = Client()
    await database_sync_to_async(client.force_login)(shopper)
    response = await database_sync_to_async(client.get)(reverse("chat:history"), {"room": key, "before": 10**9})
    assert response.status_code == 200 and response.json()["messages"]
    assert_anonymous([response.content.decode()])
    page = await database_sync_to_async(client.get)(ticket.get_absolute_url())
    assert page.status_code == 200 and "Служба поддержки" in page.content.decode()
    assert STAFF_NAME not in page.content.decode() and "/horatio/" not in page.content.decode()
