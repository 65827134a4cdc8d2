"""Site-wide mute and ban: no posting by any path (HTTP, services, websocket), no signing in."""

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from wagtail.models import ModelLogEntry

from chat import rooms
from chat import services as chat_services
from chat.errors import ChatError
from chat.models import Message
from chat.support import services as support_services
from community.moderation import sanctions
from community.moderation.models import Sanction
from community.qa import services as qa_services
from community.qa.services import QAError
from reviews import services as review_services
from tests.chat.conftest import sockets  # noqa: F401  (the websocket client fixture)
from tests.factories import UserFactory


def test_a_muted_user_cannot_write_a_review_ask_answer_or_chat(shopper, moderator, product, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    sanctions.user_mute(moderator=moderator, user=shopper, days=7, reason="Спам в отзывах")
    with pytest.raises(review_services.ReviewError, match="Спам в отзывах"):
        review_services.review_create(author=shopper, product=product, rating=5, text="Отличный ноутбук, советую всем.")
    with pytest.raises(QAError, match="Спам в отзывах"):
        qa_services.question_ask(author=shopper, product=product, title="Есть ли подсветка клавиатуры?")
    room = chat_services.product_room_for(product)
    with pytest.raises(ChatError) as refused:
        chat_services.message_post(author=shopper, room=room, body="Привет")
    assert refused.value.code == "muted" and "Спам в отзывах" in refused.value.message
    assert not Message.objects.exists()


def test_a_mute_until_lifted_says_so_not_a_date(shopper, moderator, product):
    from django.utils import translation

    Sanction.objects.create(user=shopper, kind="mute", reason="Оскорбления", until=None, created_by=moderator)
    room = chat_services.product_room_for(product)
    with pytest.raises(ChatError) as refused:
        chat_services.message_post(author=shopper, room=room, body="Привет")
    assert refused.value.message == "Вы не можете публиковать, пока модератор не снимет ограничение: Оскорбления"
    with translation.override("en"):
        [sanction] = Sanction.objects.filter(user=shopper)
        assert sanctions.refusal_text(sanction) == \
            "You cannot post until a moderator lifts the restriction: Оскорбления"


def test_a_muted_customer_still_writes_to_support(shopper, moderator):
    sanctions.user_mute(moderator=moderator, user=shopper, days=1, reason="Флуд")
    ticket = support_services.ticket_open(customer=shopper, subject="Где мой заказ?", body="Заказ A-1 не пришёл")
    assert ticket.room.messages.count() == 1


def test_lifting_the_mute_lets_the_user_post_again(shopper, moderator, product, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    sanctions.user_mute(moderator=moderator, user=shopper, days=7, reason="Флуд")
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Ошибка")
    assert sanctions.posting_refusal(shopper) is None
    review_services.review_create(author=shopper, product=product, rating=5, text="Отличный ноутбук, советую всем.")
    assert ModelLogEntry.objects.filter(action="community.moderation.unsanction", object_id=str(shopper.pk)).exists()


def test_a_banned_user_cannot_sign_in_and_their_session_ends(client, shopper, moderator):
    shopper.set_password("secret-pass-123")
    shopper.save()
    client.force_login(shopper)
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Мошенничество")
    assert client.get("/cabinet/").status_code == 302  # the session no longer authenticates
    response = client.post("/accounts/login/", {"login": "hamlet", "password": "secret-pass-123"})
    assert not response.wsgi_request.user.is_authenticated
    assert ModelLogEntry.objects.filter(action="community.moderation.ban", object_id=str(shopper.pk)).exists()
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Разобрались")
    shopper.refresh_from_db()
    assert shopper.is_active


def test_moderators_cannot_be_sanctioned_and_a_reason_is_required(moderator, shopper):
    other = UserFactory(username="laertes")
    other.groups.set(moderator.groups.all())
    with pytest.raises(sanctions.SanctionError):
        sanctions.user_ban(moderator=moderator, user=other, reason="x")
    with pytest.raises(sanctions.SanctionError):
        sanctions.user_mute(moderator=moderator, user=shopper, days=3, reason="  ")
    with pytest.raises(sanctions.SanctionError):
        sanctions.user_mute(moderator=moderator, user=shopper, days=0, reason="Флуд")
    with pytest.raises(PermissionDenied):
        sanctions.user_ban(moderator=shopper, user=other, reason="x")
    assert not Sanction.objects.exists()


def test_the_user_page_mutes_and_shows_the_record(client, moderator, shopper):
    client.force_login(moderator)
    page = client.get(f"/admin/moderation/users/{shopper.pk}/")
    assert page.status_code == 200 and "hamlet" in page.content.decode()
    assert "Votes cast: 0 on reviews, 0 on answers." in page.content.decode() or "Голосов" in page.content.decode()
    response = client.post(f"/admin/moderation/users/{shopper.pk}/", {"action": "mute", "days": "3", "reason": "Флуд"})
    assert response.status_code == 302
    assert Sanction.objects.get(user=shopper).kind == "mute"
    bad = client.post(f"/admin/moderation/users/{shopper.pk}/", {"action": "mute", "days": "", "reason": "Флуд"})
    assert bad.status_code == 400


def test_shoppers_and_support_staff_cannot_sanction(client, shopper, other_shopper, staff):
    for user in (shopper, staff):
        client.force_login(user)
        response = client.post(f"/admin/moderation/users/{other_shopper.pk}/", {"action": "ban", "reason": "x"})
        assert response.status_code in (302, 403)
    other_shopper.refresh_from_db()
    assert other_shopper.is_active and not Sanction.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_a_banned_users_open_websocket_cannot_post(sockets, product, shopper, moderator):  # noqa: F811
    room = await database_sync_to_async(chat_services.product_room_for)(product)
    key = rooms.room_key(room)
    socket = await sockets(shopper)
    await socket.subscribe(key)
    await database_sync_to_async(sanctions.user_ban)(moderator=moderator, user=shopper, reason="Спам")
    await socket.send(type="send", room=key, client_id="after-ban", body="Купите")
    error = await socket.frame("error")
    assert error["code"] in ("muted", "auth_required") and error["client_id"] == "after-ban"
    assert not await database_sync_to_async(Message.objects.exists)()
    await socket.close()
