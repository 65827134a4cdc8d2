"""The home page shows the community alive — helpful reviews, questions waiting for an answer,
the week's Experts, lively discussions — each block at a fixed number of queries and cached
briefly; the header links to the Experts and the discussions for everyone; a community page
explains reputation with the live numbers."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import selectors as chat_selectors
from chat import services as chat_services
from community.qa import selectors as qa_selectors
from experts import selectors as experts_selectors
from experts import services as experts_services
from reviews import selectors as review_selectors
from tests.experts.factories import a_moderator, person, question, review, set_rules, vote


@pytest.fixture(autouse=True)
def _publish_at_once(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def community_activity(products, *, people: int) -> None:
    """``people`` authors: a helpful review each, an unanswered question each, chat messages, and
    Expert status in «Ноутбуки» with reputation earned this week."""
    moderator = a_moderator()
    voters = [person(f"voter{n}") for n in range(2)]
    laptops = products[0].top_category
    for n in range(people):
        author = person(f"author{n}")
        product = products[n % 2]
        written = review(author, product, title=f"Отзыв номер {n}")
        for voter in voters:
            vote(voter, written, True)
        question(author, products[n % len(products)], title=f"Вопрос номер {n} про зарядку?")
        chat_services.message_post(author=author, room=chat_services.product_room_for(products[n % len(products)]),
                                   body=f"Сообщение {n}")
        experts_services.expert_grant(moderator=moderator, user=author, category=laptops, reason="проверен")


def home_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_home_page_shows_the_community_at_a_fixed_query_count(client, page_tree):
    products = page_tree["products"]
    community_activity(products, people=2)
    client.get("/")  # Wagtail's site root paths are cached from the first request on
    few, html = home_queries(client)
    for heading in ("Полезные отзывы", "Помогите ответить", "Эксперты недели", "Живые обсуждения"):
        assert heading in html, heading
    assert "Отзыв номер 1" in html and "Вопрос номер 1 про зарядку?" in html and "Сообщение" not in html
    assert 'href="/users/author1/"' in html and "Эксперт: Ноутбуки" in html
    assert products[0].title in html

    for n in range(2, 9):
        author = person(f"more{n}")
        written = review(author, products[n % 2], title=f"Ещё отзыв {n}")
        vote(person(f"fan{n}"), written, True)
        question(author, products[n % 3], title=f"Ещё вопрос {n}?")
    many, _html = home_queries(client)
    assert many == few


def test_each_block_costs_a_fixed_number_of_queries(page_tree, django_assert_max_num_queries):
    community_activity(page_tree["products"], people=3)
    page_tree["products"][0].get_url()  # the site root paths, as after the first request
    with django_assert_max_num_queries(1):
        assert len(review_selectors.helpful_reviews_latest()) == 3
    with django_assert_max_num_queries(1):
        assert len(qa_selectors.questions_waiting_for_answer()) == 3
    with django_assert_max_num_queries(3):
        [block] = experts_selectors.top_experts_of_the_week()
        assert block.category.title == "Ноутбуки" and len(block.leaders) == 3
    with django_assert_max_num_queries(1):
        assert len(chat_selectors.liveliest_product_rooms()) == 3


def test_the_blocks_are_cached_briefly(client, page_tree, settings):
    settings.HOME_SECTION_CACHE_SECONDS = 60
    cache.delete_many(["home:helpful-reviews", "home:unanswered-questions", "home:top-experts", "home:live-discussions"])
    community_activity(page_tree["products"], people=2)
    first, _html = home_queries(client)
    second, html = home_queries(client)
    assert second <= first - 6
    assert "Отзыв номер 1" in html
    cache.delete_many(["home:helpful-reviews", "home:unanswered-questions", "home:top-experts", "home:live-discussions"])


def test_an_empty_community_shows_no_empty_blocks(client, page_tree):
    html = client.get("/").content.decode()
    assert "Помогите ответить" not in html and "Полезные отзывы" not in html


def test_everyone_reaches_the_experts_and_the_discussions_from_every_page(client, page_tree, shopper):
    for url in ("/", page_tree["products"][0].url, "/search/"):
        html = client.get(url).content.decode()
        assert html.count('href="/experts/"') >= 2 and html.count('href="/chat/discussions/"') >= 2, url
    client.force_login(shopper)
    assert 'href="/experts/"' in client.get("/").content.decode()


def test_the_discussions_page_lists_the_liveliest_product_rooms(client, page_tree, shopper):
    products = page_tree["products"]
    room = chat_services.product_room_for(products[1])
    for n in range(3):
        chat_services.message_post(author=shopper, room=room, body=f"Привет {n}")
    chat_services.message_post(author=shopper, room=chat_services.product_room_for(products[0]), body="Один")
    html = client.get("/chat/discussions/").content.decode()
    assert html.index(products[1].title) < html.index(products[0].title)
    assert f'{products[1].url}chat/' in html and "3 сообщения за неделю" in html


def test_the_community_page_explains_reputation_with_the_live_numbers(client, db):
    set_rules(review_helpful=12, trusted_at=700, expert_reputation=650, expert_voters=11)
    html = client.get("/community/").content.decode()
    assert "+12" in html and "700" in html and "650" in html and "11" in html
    assert "Эксперт" in html
