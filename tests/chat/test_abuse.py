"""Bad input and abuse: no input gives a 500 or kills a socket, limits hold across processes,
and only the site's own origins may open a socket."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client as HttpClient
from websockets.exceptions import ConnectionClosed, InvalidStatus

from chat import rooms, services
from chat.errors import ChatError
from chat.models import Message
from chat.support import services as support_services
from chat.support.models import Ticket
from tests.chat.live import Client, cookies_for, needs_redis

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024


# --- keys, codes and text ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["product:31\n", "room:7\n", "lounge\n", "product:٣١", "room:²", " lounge"])
def test_room_keys_are_matched_whole_and_in_ascii_digits(key):
    assert rooms.parse_key(key) is None


@pytest.mark.parametrize("code", ["T-%C2%B2", "T-%D9%A3", "T-1%0A", "T-"])
def test_ticket_codes_with_unicode_digits_or_junk_are_not_found(client, shopper, code):
    client.force_login(shopper)
    assert client.get(f"/chat/tickets/{code}/").status_code == 404


@pytest.mark.parametrize("body", ["\u200b\u200b\u200b", "\u2060\ufeff \u200d", "\u3164", "\u2800\u200c\n"])
def test_a_message_of_invisible_characters_only_is_empty(shopper, product_room, body):
    with pytest.raises(ChatError) as error:
        services.message_post(author=shopper, room=product_room, body=body, client_id="zw-1")
    assert error.value.code == "invalid"
    assert not Message.objects.exists()


def test_a_ticket_subject_of_invisible_characters_only_is_refused(shopper):
    with pytest.raises(ChatError):
        support_services.ticket_open(customer=shopper, subject="\u200b\u200b", body="Где заказ?")
    assert not Ticket.objects.exists()


async def test_nul_and_lone_surrogates_get_invalid_text_and_the_socket_stays_open(sockets, product, shopper):
    key = rooms.product_key(product.pk)
    socket = await sockets(shopper)
    for frame in ({"v": 1, "type": "send", "room": key, "client_id": "n-1", "body": "a\x00b"},
                  {"v": 1, "type": "send", "room": key, "client_id": "n-2", "body": "a\ud800b"},
                  {"v": 1, "type": "send", "room": key, "client_id": "n-3", "body": "\udfff"},
                  {"v": 1, "type": "x\ud83d", "room": "lounge"},
                  {"v": 1, "type": "subscribe", "room": "lounge", "\x00": 1}):
        raw = json.dumps(frame)  # ASCII, with \\u0000 and \\ud800 escapes as a client may send them
        await socket.send_raw(raw)
        error = await socket.frame("error")
        assert error["code"] == "invalid_text", raw
        assert error["detail"]
    await socket.send_raw('[' * 4000 + ']' * 4000)  # deeper than the JSON parser goes
    assert (await socket.frame("error"))["code"] == "bad_json"
    await socket.send(type="send", room=f"{key}\n", client_id="nl-1", body="Привет")
    assert (await socket.frame("error"))["code"] == "bad_frame"
    await socket.send(type="subscribe", room=key, since=2**70)
    assert (await socket.frame("error"))["code"] == "bad_frame"
    await socket.send(type="send", room=key, client_id="zw-1", body="\u200b\u200b")
    assert (await socket.frame("error"))["code"] == "invalid"
    assert await socket.subscribe(key) == []  # still open
    assert not await database_sync_to_async(Message.objects.exists)()


# --- tickets: the same form twice at once, and the creation limit -------------------------------------


@pytest.mark.skipif(not django_settings.IS_POSTGRES, reason="two requests at once need PostgreSQL (row locks)")
def test_the_new_ticket_form_posted_twice_at_once_answers_both_with_one_ticket(shopper, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ticket_create": (100, 3600)}
    clients = []
    for _ in range(2):
        client = HttpClient()
        client.force_login(shopper)
        clients.append(client)
    for round_ in range(5):
        data = {"subject": f"Двойной клик {round_}", "body": "Заказ не пришёл.", "client_id": f"double-{round_}"}
        barrier = threading.Barrier(2)
        responses: list = [None, None]

        def submit(index: int, data=data, barrier=barrier, responses=responses) -> None:
            try:
                barrier.wait()
                responses[index] = clients[index].post("/chat/tickets/new/", data)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [r.status_code for r in responses] == [302, 302], responses
        assert responses[0]["Location"] == responses[1]["Location"]
        assert Ticket.objects.filter(subject=data["subject"]).count() == 1
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 5)), "gapless"


def test_ticket_creation_is_rate_limited_per_user(shopper, other_shopper, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ticket_create": (3, 3600)}
    for n in range(3):
        support_services.ticket_open(customer=shopper, subject=f"Вопрос {n}", body="Текст", client_id=f"t-{n}")
    with pytest.raises(ChatError) as error:
        support_services.ticket_open(customer=shopper, subject="Ещё один", body="Текст", client_id="t-4")
    assert error.value.code == "rate_limited" and "обращений" in error.value.message
    # A resend of an opened ticket is not a new ticket; another customer is not limited.
    assert support_services.ticket_open(customer=shopper, subject="Вопрос 0", body="Текст", client_id="t-0").number
    support_services.ticket_open(customer=other_shopper, subject="Мой вопрос", body="Текст")
    assert Ticket.objects.count() == 4


# --- the send limit: shared by processes, told in the user's language --------------------------------


@pytest.mark.parametrize(("language", "words"), [("ru", "слишком часто"), ("en", "too fast")])
async def test_the_rate_limit_error_is_in_the_users_language(sockets, product, shopper, settings, language, words):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_send": (2, 10)}
    key = rooms.product_key(product.pk)
    socket = await sockets(shopper, language=language)  # not subscribed: no message frames
    for n in range(3):
        await socket.send(type="send", room=key, client_id=f"{language}-{n}", body=f"№{n}")
    await socket.find("ack", client_id=f"{language}-1", timeout=5)
    error = await socket.frame("error")
    assert error["code"] == "rate_limited" and words in error["detail"] and error["client_id"] == f"{language}-2"


@needs_redis
@pytest.mark.server
async def test_ten_plus_ten_sends_on_two_processes_store_exactly_ten(servers, product, shopper):
    first, second = await asyncio.to_thread(servers, 2, {"CHAT_RATE_LIMIT_MESSAGES": "10",
                                                         "CHAT_RATE_LIMIT_SECONDS": "10"})
    key = rooms.product_key(product.pk)
    (cookie,) = await database_sync_to_async(cookies_for)(shopper)
    one, two = Client(first, cookie), Client(second, cookie)
    await asyncio.gather(one.connect(), two.connect())
    try:
        await asyncio.gather(one.subscribe(key), two.subscribe(key))

        async def burst(client: Client, name: str) -> list[dict]:
            await asyncio.gather(*(client.send(type="send", room=key, client_id=f"{name}-{n}", body=f"{name} {n}")
                                   for n in range(10)))
            return [await client.receive("ack", "error", timeout=20) for _ in range(10)]

        answers = [frame for frames in await asyncio.gather(burst(one, "a"), burst(two, "b")) for frame in frames]
    finally:
        await one.close()
        await two.close()
    acks = [frame for frame in answers if frame["type"] == "ack"]
    refused = [frame for frame in answers if frame["type"] == "error"]
    assert len(acks) == 10 and len(refused) == 10
    assert {frame["code"] for frame in refused} == {"rate_limited"}
    assert await database_sync_to_async(Message.objects.filter(author=shopper).count)() == 10


# --- frame sizes on a real daphne ---------------------------------------------------------------------


@pytest.mark.server
async def test_frame_sizes_up_to_daphnes_limit_get_an_error_and_past_it_a_1009_close(servers, product):
    (server,) = await asyncio.to_thread(servers, 1)
    key = rooms.product_key(product.pk)
    client = await Client(server).connect()
    try:
        for size in (8 * 1024 + 1, 100_000, MIB):  # over the chat's 8 KB, up to daphne's 1 MiB
            await client.ws.send("x" * size)
            assert (await client.receive("error"))["code"] == "too_large", size
        assert await client.subscribe(key) == []  # still open
        await client.ws.send("x" * (MIB + 1))
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(10):
                while True:  # presence frames may still come first
                    await client.ws.recv()
        assert client.ws.close_code == 1009  # "message too big", with a close frame: not dropped (1006)
    finally:
        await client.close()


# --- origins: scheme, host and port ----------------------------------------------------------------


async def test_a_page_on_another_port_or_scheme_of_an_allowed_host_cannot_open_a_socket(sockets):
    for origin in (b"http://testserver:9999", b"https://testserver", b"http://testserver:80.evil",
                   b"http://localhost:8000", b"null", b""):
        await sockets(origin=origin, expect_connected=False)


async def test_the_site_url_and_trusted_origins_may_open_a_socket(sockets, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://shop.example"
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.shop.example", "http://127.0.0.1:8080"]
    for origin in (b"http://testserver", b"http://testserver:80", b"https://shop.example",
                   b"https://shop.example:443", b"https://m.shop.example", b"http://127.0.0.1:8080"):
        await sockets(origin=origin)
    for origin in (b"http://shop.example", b"https://shop.example:8443", b"https://evilshop.example",
                   b"http://127.0.0.1:8081"):
        await sockets(origin=origin, expect_connected=False)


@pytest.mark.server
async def test_a_real_daphne_refuses_a_handshake_from_another_port(servers):
    (server,) = await asyncio.to_thread(servers, 1)
    client = Client(server)
    from websockets.asyncio.client import connect

    with pytest.raises(InvalidStatus) as refused:
        await connect(f"ws://127.0.0.1:{server.port}/ws/", origin=f"http://127.0.0.1:{server.port + 1}",
                      open_timeout=5)
    assert refused.value.response.status_code == 403
    await client.connect()  # its own origin is fine
    await client.close()
