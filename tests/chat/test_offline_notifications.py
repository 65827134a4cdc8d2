"""«Личное сообщение, пока меня нет на сайте»: a direct message notifies its recipient only when
they have no socket open on any process (presence in the shared cache), batched per
conversation (ten messages, one notification, one email), at the frequency they chose."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import connections

from chat import presence, services
from community.notifications import services as notification_services
from community.notifications.models import EmailStatus, Notification, NotificationPreference
from tests.chat.live import REDIS_URL, Client, cookies_for, needs_redis
from tests.conftest import run_queued_tasks

live = pytest.mark.django_db(transaction=True)

KIND = "chat.direct_message"


def post(author, room, body: str):
    return services.message_post(author=author, room=room, body=body, client_id=uuid.uuid4().hex)


def notifications_of(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=KIND))


@pytest.mark.django_db
def test_ten_messages_to_an_offline_reader_make_one_notification_and_one_email(direct_room, shopper, other_shopper,
                                                                               mailoutbox):
    for number in range(10):
        post(shopper, direct_room, f"Сообщение номер {number}")
    [notification] = notifications_of(other_shopper)
    assert notification.params["count"] == 10
    assert notification.url == f"/chat/direct/{shopper.username}/"
    assert notification_services.unread_count(other_shopper.pk) == 1
    assert notifications_of(shopper) == []  # never to the sender
    run_queued_tasks()
    [mail] = mailoutbox
    # The email, sent by the worker afterwards, reads the batch as it is then.
    assert mail.to == [other_shopper.email]
    assert "hamlet прислал(а) вам 10 сообщений, последнее: «Сообщение номер 9»" in mail.body
    assert Notification.objects.get(pk=notification.pk).email_status == EmailStatus.SENT


@pytest.mark.django_db
def test_the_batch_reads_with_the_count_and_the_latest_message(direct_room, shopper, other_shopper, client):
    for number in range(3):
        post(shopper, direct_room, f"Реплика {number}")
    client.force_login(other_shopper)
    page = client.get("/notifications/").content.decode()
    assert "прислал(а) вам 3 сообщения, последнее: «Реплика 2»" in page


@pytest.mark.django_db
def test_after_reading_the_next_message_notifies_again(direct_room, shopper, other_shopper):
    post(shopper, direct_room, "Первое")
    [first] = notifications_of(other_shopper)
    notification_services.notification_open(user=other_shopper, notification_id=first.pk)
    post(shopper, direct_room, "Второе")
    assert len(notifications_of(other_shopper)) == 2


@pytest.mark.django_db
def test_each_conversation_has_its_own_notification(direct_room, shopper, other_shopper, expert):
    other_room = services.direct_room_for(actor=expert, other=other_shopper)
    post(shopper, direct_room, "От покупателя")
    post(expert, other_room, "От эксперта")
    assert sorted(n.params["name"] for n in notifications_of(other_shopper)) == sorted(
        [shopper.profile.name, expert.profile.name])


@pytest.mark.django_db
def test_a_reader_who_chose_never_gets_the_notification_but_no_email(direct_room, shopper, other_shopper, mailoutbox):
    NotificationPreference.objects.create(user=other_shopper, kind=KIND, frequency="never")
    post(shopper, direct_room, "Без письма")
    [notification] = notifications_of(other_shopper)
    assert notification.email_status == EmailStatus.SKIPPED
    run_queued_tasks()
    assert mailoutbox == []


@pytest.mark.django_db
def test_product_discussions_notify_nobody(product_room, shopper, other_shopper):
    post(shopper, product_room, "Всем привет")
    assert Notification.objects.filter(kind=KIND).count() == 0


@live
async def test_no_notification_while_the_reader_has_a_socket_open_then_one_after_it_closes(
        sockets, direct_room, shopper, other_shopper):
    reader = await sockets(other_shopper)
    assert await database_sync_to_async(presence.is_online)(other_shopper.pk)
    await database_sync_to_async(post)(shopper, direct_room, "Ты тут?")
    assert await database_sync_to_async(notifications_of)(other_shopper) == []
    frame = await reader.find("notification", kind="message")  # the live unread counter instead
    assert frame["unread"] == 1

    await reader.close()
    assert not await database_sync_to_async(presence.is_online)(other_shopper.pk)
    await database_sync_to_async(post)(shopper, direct_room, "Ушёл?")
    [notification] = await database_sync_to_async(notifications_of)(other_shopper)
    assert notification.params["excerpt"] == "Ушёл?"


@live
async def test_two_tabs_the_reader_is_online_until_the_last_one_closes(sockets, direct_room, shopper, other_shopper):
    first, second = await sockets(other_shopper), await sockets(other_shopper)
    await first.close()
    await database_sync_to_async(post)(shopper, direct_room, "Вторая вкладка ещё открыта")
    assert await database_sync_to_async(notifications_of)(other_shopper) == []
    await second.close()
    await database_sync_to_async(post)(shopper, direct_room, "Теперь никого")
    assert len(await database_sync_to_async(notifications_of)(other_shopper)) == 1


@pytest.mark.django_db
def test_presence_expires_when_a_process_stops_refreshing_it(other_shopper, settings):
    presence.mark_online([other_shopper.pk], "dead-process")
    assert presence.is_online(other_shopper.pk)
    from django.core.cache import cache

    cache.delete(f"chat:online:{other_shopper.pk}:dead-process")  # what the TTL does after 30 s
    assert not presence.is_online(other_shopper.pk)


@needs_redis
@live
@pytest.mark.server
async def test_presence_spans_daphne_processes(servers, server_env, direct_room, shopper, other_shopper):
    """The reader's socket is on one process, the sender's on another: no notification; once
    the reader's socket closes, the next message notifies."""
    import redis.asyncio as redis

    first, second = await asyncio.to_thread(servers, 2)
    sender_cookie, reader_cookie = await database_sync_to_async(cookies_for)(shopper, other_shopper)
    reader = await Client(first, reader_cookie).connect()
    sender = await Client(second, sender_cookie).connect()
    store = redis.Redis.from_url(REDIS_URL)
    pattern = f"{server_env['CACHE_KEY_PREFIX']}:*:chat:online:{other_shopper.pk}:*"
    try:
        key = direct_room.key
        await sender.subscribe(key)
        await sender.send(type="send", room=key, client_id="s-1", body="Ты на другом процессе?")
        await sender.receive("ack")
        assert await database_sync_to_async(notifications_of)(other_shopper) == []

        await reader.close()
        async with asyncio.timeout(10):
            while [k async for k in store.scan_iter(match=pattern)]:
                await asyncio.sleep(0.05)
        await sender.send(type="send", room=key, client_id="s-2", body="А теперь ушёл")
        await sender.receive("ack")
        [notification] = await database_sync_to_async(notifications_of)(other_shopper)
        assert notification.params["excerpt"] == "А теперь ушёл"
    finally:
        await sender.close()
        await store.aclose()
        # The database thread's connection (the test database is dropped at the end of the run).
        await database_sync_to_async(connections.close_all)()
