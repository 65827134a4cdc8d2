"""Every author of every kind of content is shown by the one component: a link to their profile,
their level and their Expert badges — and in a private support dialog staff are «Служба
поддержки», without badges."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template

from chat import services as chat_services
from chat.support import services as support_services
from tests.qa import factories as qa_factories
from tests.reviews import factories as review_factories

EXPERT_BADGE = "Эксперт: Ноутбуки"


@pytest.fixture(autouse=True)
def _publish_at_once(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


@pytest.fixture
def expert(page_tree):
    """«Дмитрий К.», an Expert of «Ноутбуки» and a trusted member."""
    user = qa_factories.user("dmitry")
    profile = user.profile
    profile.display_name = "Дмитрий К."
    profile.level = "trusted"
    profile.reputation = 900
    profile.expert_categories = [{"id": page_tree["laptops"].pk, "title": "Ноутбуки"}]
    profile.save()
    return type(user).objects.select_related("profile").get(pk=user.pk)


def shows_standing(html: str, user) -> bool:
    """The page links to the author's profile right before their Expert and level badges."""
    link = f'<a class="author-name" href="/users/{user.username}/">Дмитрий К.</a>'
    start = html.find(link)
    if start < 0:
        return False
    component = html[start:html.find("</span></span>", start) + 200]
    return EXPERT_BADGE in component and "Знаток" in component


def test_review_authors_show_their_standing(client, expert, product):
    review = review_factories.published_review(product, author=expert)
    for url in (product.url, f"{product.url}reviews/", f"/reviews/{review.pk}/"):
        assert shows_standing(client.get(url).content.decode(), expert), url


def test_question_and_answer_authors_show_their_standing(client, expert, shopper, product):
    question = qa_factories.ask(expert, product, title="Какой блок питания подойдёт?")
    other_question = qa_factories.ask(shopper, product)
    qa_factories.answer(expert, other_question)
    for url in (question.get_url(), other_question.get_url(), product.url, f"{product.url}questions/"):
        assert shows_standing(client.get(url).content.decode(), expert), url


def test_chat_authors_show_their_standing(client, expert, product):
    chat_services.message_post(author=expert, room=chat_services.product_room_for(product), body="Привет всем")
    assert shows_standing(client.get(f"{product.url}chat/").content.decode(), expert)


def test_leaderboard_and_profile_show_the_standing(client, expert):
    html = client.get(f"/users/{expert.username}/").content.decode()
    assert shows_standing(html, expert)


def test_a_support_dialog_shows_staff_as_the_support_service_without_badges(client, expert, staff):
    ticket = support_services.ticket_open(customer=expert, subject="Не пришёл заказ", body="Заказ A-100")
    chat_services.message_post(author=staff, room=ticket.room, body="Уже проверяем")
    client.force_login(expert)
    html = client.get(ticket.get_absolute_url()).content.decode()
    staff_message = html[html.index("Уже проверяем") - 1500:html.index("Уже проверяем")]
    assert "Служба поддержки" in staff_message
    assert "horatio" not in html and f"/users/{staff.username}/" not in html
    assert "Магазин" not in staff_message and "badge-level" not in staff_message
    customer_message = html[html.index("Заказ A-100") - 1500:html.index("Заказ A-100")]
    assert "Дмитрий К." in customer_message and EXPERT_BADGE not in customer_message


def test_the_component_is_one_tag_that_makes_no_queries(expert, django_assert_num_queries):
    template = Template("{% load author_tags %}{% for a in authors %}{% author a avatar=True %}{% endfor %}")
    template.render(Context({"authors": [expert]}))  # the badges' thresholds: read once per process (cached)
    with django_assert_num_queries(0):
        html = template.render(Context({"authors": [expert] * 50}))
    assert html.count(EXPERT_BADGE) == 50 and html.count('href="/users/dmitry/"') == 50
    assert not re.search(r"{%|{{", html)
