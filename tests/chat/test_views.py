"""Chat pages: the product discussion without JS, conversations, the lounge, and their query
counts."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.models import ModelLogEntry

from chat import services
from chat.models import Message, Room
from community.moderation.models import Status
from tests.chat import factories as chat_factories
from tests.factories import UserFactory


def discussion_url(product) -> str:
    return product.url + product.reverse_subpage("chat")


# --- the product discussion --------------------------------------------------------------------


def test_every_product_page_has_a_discussion_panel_that_works_without_js(client, product, shopper):
    response = client.get(product.url)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="chat-heading">Обсуждение</h2>' in content
    assert f'data-chat-room="product:{product.pk}"' in content
    assert "Сообщений пока нет" in content
    assert "Войдите" in content and 'name="body"' not in content  # anonymous: read only
    client.force_login(shopper)
    content = client.get(product.url).content.decode()
    assert f'action="{discussion_url(product)}"' in content and 'name="body"' in content


def test_the_latest_fifty_messages_are_rendered_with_a_link_to_older_ones(client, product_room, shopper, product,
                                                                         settings):
    posted = chat_factories.messages(product_room, [shopper], 60)
    content = client.get(product.url).content.decode()
    assert "Сообщение 59" in content and "Сообщение 10" in content
    assert ">Сообщение 9<" not in content
    older = f"{discussion_url(product)}?before={posted[10].pk}"
    assert f'href="{older}"' in content
    page = client.get(older)
    text = page.content.decode()
    assert page.status_code == 200 and "Сообщение 9" in text and "Сообщение 0" in text and "Сообщение 10" not in text
    assert f'<link rel="canonical" href="{settings.SITE_URL}{older}">' in text


def test_the_discussion_page_is_canonical_on_site_url_whatever_the_host(client, product_room, shopper, product,
                                                                         settings):
    settings.SITE_URL = "https://shop.example"
    settings.ALLOWED_HOSTS = ["*"]
    posted = chat_factories.messages(product_room, [shopper], 60)
    for url in (discussion_url(product), f"{discussion_url(product)}?before={posted[10].pk}"):
        text = client.get(url, HTTP_HOST="mirror.example:8080").content.decode()
        assert f'<link rel="canonical" href="https://shop.example{url}">' in text
        assert f'<meta property="og:url" content="https://shop.example{url}">' in text
        assert "mirror.example" not in text
    # Unknown parameters are not part of the canonical URL.
    text = client.get(f"{discussion_url(product)}?utm_source=x", HTTP_HOST="mirror.example").content.decode()
    assert f'<link rel="canonical" href="https://shop.example{discussion_url(product)}">' in text


def _queries(client, url) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the per-process caches (site root, templates, unread counter)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_product_page_costs_the_same_queries_whatever_the_discussion_size(
        client, product_room, product, shopper, other_shopper, settings):
    from experts.rules import reputation_thresholds

    # What the sections read when rendered (the cached page and parts: tests/test_page_budgets.py).
    settings.VERSIONED_PAGE_CACHE_SECONDS = settings.PRODUCT_PAGE_CACHE_SECONDS = 0

    authors = [shopper, other_shopper] + [UserFactory(username=f"u{n}") for n in range(8)]
    chat_factories.messages(product_room, authors, 3)
    reputation_thresholds()  # the badges' thresholds: read once per process (cached), not per page
    small = (_queries(client, product.url), )
    client.force_login(shopper)
    small += (_queries(client, product.url), )
    client.logout()
    chat_factories.messages(product_room, authors, 120)
    large = (_queries(client, product.url), )
    client.force_login(shopper)
    large += (_queries(client, product.url), )
    for few, many in zip(small, large, strict=True):
        assert len(few) == len(many)
    # (The anonymous page's first query is its version for conditional GETs, which reads the
    # discussion's latest message too: community/catalog/seo.py.)
    anonymous = large[0]
    at = next(n for n, sql in enumerate(anonymous) if '"chat_message"' in sql)
    assert "LIMIT 51" not in anonymous[at]  # the version reads the latest message, not the page
    chat = [sql for sql in anonymous[at + 1:] if '"chat_' in sql]
    assert len(chat) == 1, chat  # the latest messages with their room and their authors' profiles
    assert '"accounts_profile"' in chat[0]
    assert len([sql for sql in large[1] if '"chat_' in sql]) == 2  # … and whether the reader is muted


def test_posting_without_js_stores_the_message_and_returns_to_the_product(client, product, shopper):
    client.force_login(shopper)
    response = client.post(discussion_url(product), {"body": "Подойдёт для учёбы?", "client_id": "form-1",
                                                     "next": product.url})
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{product.url}#chat-message-{message.pk}"
    assert message.author == shopper and message.room.product_id == product.pk
    # The same form sent twice (a double click, a reload) stores one message.
    client.post(discussion_url(product), {"body": "Подойдёт для учёбы?", "client_id": "form-1"})
    assert Message.objects.count() == 1
    assert "Подойдёт для учёбы?" in client.get(product.url).content.decode()


def test_anonymous_posts_go_to_the_login_page(client, product):
    response = client.post(discussion_url(product), {"body": "Привет"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Message.objects.exists()


def test_an_over_long_message_is_a_form_error_and_the_text_is_kept(client, product, shopper):
    client.force_login(shopper)
    long_text = "я" * 2001
    response = client.post(discussion_url(product), {"body": long_text, "next": product.url})
    assert response.status_code == 302 and response["Location"] == f"{product.url}#chat"
    assert "2000" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not Message.objects.exists()
    assert long_text in client.get(product.url).content.decode()


def test_a_muted_shopper_sees_why_they_cannot_write(client, product_room, product, shopper, moderator):
    services.room_mute(moderator=moderator, room=product_room, user=shopper, minutes=60)
    client.force_login(shopper)
    content = client.get(product.url).content.decode()
    assert "Модератор временно запретил" in content and 'name="body"' not in content


def test_authors_edit_and_delete_their_messages_without_js(client, product_room, product, shopper):
    message = services.message_post(author=shopper, room=product_room, body="Опечатка")
    client.force_login(shopper)
    content = client.get(product.url).content.decode()
    assert reverse("chat:message_edit", args=[message.pk]) in content
    response = client.post(reverse("chat:message_edit", args=[message.pk]), {"body": "Исправлено", "next": product.url})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.body == "Исправлено" and message.edited_at
    client.post(reverse("chat:message_delete", args=[message.pk]), {"next": product.url})
    message.refresh_from_db()
    assert message.deleted
    assert "Исправлено" not in client.get(product.url).content.decode()


def test_others_cannot_edit_or_delete_a_message(client, product_room, shopper, other_shopper):
    message = services.message_post(author=shopper, room=product_room, body="Моё")
    client.force_login(other_shopper)
    assert client.get(reverse("chat:message_edit", args=[message.pk])).status_code == 404
    client.post(reverse("chat:message_delete", args=[message.pk]))
    message.refresh_from_db()
    assert not message.deleted


def test_moderators_hide_messages_and_mute_authors_from_the_page(client, product_room, product, shopper, moderator):
    message = services.message_post(author=shopper, room=product_room, body="Реклама казино")
    client.force_login(moderator)
    content = client.get(product.url).content.decode()
    assert reverse("chat:message_hide", args=[message.pk]) in content
    client.post(reverse("chat:message_hide", args=[message.pk]), {"reason": "Реклама", "next": product.url})
    message.refresh_from_db()
    assert message.status == Status.HIDDEN
    client.post(reverse("chat:mute"), {"room": f"product:{product.pk}", "username": "hamlet", "minutes": "60",
                                       "reason": "Спам", "next": product.url})
    assert ModelLogEntry.objects.filter(action="chat.mute").exists()
    with pytest.raises(services.ChatError):
        services.message_post(author=shopper, room=product_room, body="Ещё")


def test_shoppers_cannot_hide_or_mute(client, product_room, product, shopper, other_shopper):
    message = services.message_post(author=shopper, room=product_room, body="Обычное")
    client.force_login(other_shopper)
    assert reverse("chat:message_hide", args=[message.pk]) not in client.get(product.url).content.decode()
    client.post(reverse("chat:message_hide", args=[message.pk]), {"reason": "Не нравится"})
    client.post(reverse("chat:mute"), {"room": f"product:{product.pk}", "username": "hamlet", "minutes": "60"})
    message.refresh_from_db()
    assert message.status == Status.PUBLISHED and not ModelLogEntry.objects.filter(action="chat.mute").exists()


def test_older_pages_come_as_json_for_the_page_script(client, product_room, shopper, direct_room, outsider):
    posted = chat_factories.messages(product_room, [shopper], 60)
    data = client.get(reverse("chat:history"), {"room": f"product:{product_room.product_id}",
                                                "before": posted[10].pk}).json()
    assert [m["id"] for m in data["messages"]] == [m.pk for m in posted[:10]] and data["older"] is False
    assert client.get(reverse("chat:history"), {"room": f"room:{direct_room.pk}"}).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("chat:history"), {"room": f"room:{direct_room.pk}"}).status_code == 403
    assert client.get(reverse("chat:history"), {"room": "room:99999"}).status_code == 404


# --- conversations ---------------------------------------------------------------------------------


def test_write_opens_a_conversation_that_the_first_message_creates(client, shopper, other_shopper):
    client.force_login(shopper)
    url = reverse("chat:direct", args=["ophelia"])
    assert client.get(url).status_code == 200
    assert not Room.objects.exists(), "opening the page creates nothing"
    response = client.post(url, {"body": "Привет! Как тебе ноутбук?", "client_id": "d-1"})
    assert response.status_code == 302
    room = Room.objects.get()
    assert set(room.memberships.values_list("user__username", flat=True)) == {"hamlet", "ophelia"}
    client.force_login(other_shopper)
    overview = client.get(reverse("chat:conversations")).content.decode()
    assert 'href="/chat/direct/hamlet/"' in overview and "1<span" in overview
    assert '<span class="badge badge-count" data-chat-unread><span data-chat-unread-count>1</span>' in overview
    client.get(reverse("chat:direct", args=["hamlet"]))  # reading it
    header = client.get(reverse("chat:conversations")).content.decode()
    assert '<span class="badge badge-count" data-chat-unread hidden><span data-chat-unread-count>0</span>' in header


def test_profiles_have_a_write_button(client, shopper, other_shopper):
    client.force_login(shopper)
    content = client.get(reverse("profile", args=["ophelia"])).content.decode()
    assert f'href="{reverse("chat:direct", args=["ophelia"])}"' in content
    assert reverse("chat:direct", args=["hamlet"]) not in client.get(reverse("profile", args=["hamlet"])).content.decode()


def test_blocking_from_the_conversation_page(client, shopper, other_shopper):
    client.force_login(shopper)
    client.post(reverse("chat:direct", args=["ophelia"]), {"body": "Привет"})
    client.force_login(other_shopper)
    client.post(reverse("chat:block", args=["hamlet"]))
    client.force_login(shopper)
    response = client.post(reverse("chat:direct", args=["ophelia"]), {"body": "Ответь!"})
    assert response.status_code == 400 and "Вы не можете писать" in response.content.decode()
    assert Message.objects.count() == 1
    client.force_login(other_shopper)
    client.post(reverse("chat:unblock", args=["hamlet"]))
    client.force_login(shopper)
    assert client.post(reverse("chat:direct", args=["ophelia"]), {"body": "Ответь!"}).status_code == 302


def test_strangers_cannot_read_a_conversation(client, direct_room, outsider):
    client.force_login(outsider)
    # Another pair's conversation has no URL for outsiders: /chat/direct/<name>/ is always "me and them".
    response = client.get(reverse("chat:direct", args=["ophelia"]))
    assert response.status_code == 200 and "Привет" not in response.content.decode()


def test_the_lounge_is_for_experts_and_staff(client, expert, shopper, staff):
    client.force_login(shopper)
    assert client.get(reverse("chat:lounge")).status_code == 403
    client.force_login(expert)
    assert client.get(reverse("chat:lounge")).status_code == 200
    client.post(reverse("chat:lounge"), {"body": "Коллеги, кто разбирается в мониторах?"})
    client.force_login(staff)
    assert "Коллеги, кто разбирается" in client.get(reverse("chat:lounge")).content.decode()
