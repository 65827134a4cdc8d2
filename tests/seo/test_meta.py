"""Every page has a unique title and description from its content, a self-canonical URL on
SITE_URL, Open Graph and a Twitter card, and ``lang`` equal to the UI language."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from community.catalog.selectors import CATEGORY_PAGE_SIZE
from tests import factories
from tests.experts import factories as people


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def meta(html: str) -> dict[str, str]:
    found = {"title": re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()}
    for key, value in re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)"', html):
        found[key] = value
    found["canonical"] = re.search(r'<link rel="canonical" href="([^"]*)"', html).group(1)
    found["lang"] = re.search(r'<html lang="([^"]+)"', html).group(1)
    return found


def page_meta(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return meta(response.content.decode())


def test_every_page_has_complete_open_graph_and_twitter_meta(client, product):
    for url in ("/", product.get_parent().url, product.url, f"{product.url}reviews/", f"{product.url}questions/",
                "/experts/", "/search/?q=ASUS"):
        found = page_meta(client, url)
        for key in ("description", "og:title", "og:description", "og:image", "og:url", "og:type",
                    "twitter:card", "twitter:title", "twitter:description", "twitter:image"):
            assert found.get(key), (url, key)
        assert found["og:image"].startswith(settings.SITE_URL + "/"), url
        assert found["og:url"] == found["canonical"] and found["canonical"].startswith(settings.SITE_URL + "/")


def test_paginated_lists_have_their_own_title_description_and_canonical(client, page_tree):
    category = page_tree["gaming"]
    for _n in range(CATEGORY_PAGE_SIZE):
        factories.product(category)
    first, second = page_meta(client, category.url), page_meta(client, f"{category.url}?page=2")
    assert first["title"] != second["title"] and "страница 2" in second["title"]
    assert first["description"] != second["description"]
    assert second["canonical"] == f"{settings.SITE_URL}{category.url}?page=2"
    assert first["canonical"] == f"{settings.SITE_URL}{category.url}"


def test_a_products_title_and_description_carry_its_rating_and_review_count(client, product):
    people.review(people.person("rosalind"), product, rating=5)
    people.review(people.person("orlando"), product, rating=4)
    found = page_meta(client, product.url)
    assert found["title"].startswith(f"{product.title}: оценка 4,5, 2 отзыва")
    assert "4,5 из 5 по 2 отзывам" in found["description"]
    assert found["og:type"] == "product"


def test_a_questions_description_starts_with_the_title_and_the_best_answers_first_words(client, product):
    question = people.question(people.person("viola"), product, title="Есть ли подсветка?")
    people.answer(people.person("sebastian"), question, text="Да, трёхзонная подсветка клавиатуры.")
    found = page_meta(client, question.get_url())
    assert found["description"].startswith("Есть ли подсветка? — Да, трёхзонная подсветка")


def test_the_lang_attribute_follows_the_ui_language(client, product):
    assert page_meta(client, product.url)["lang"] == "ru"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    found = page_meta(client, product.url)
    assert found["lang"] == "en" and found["og:locale"] == "en_US"
    # One URL whatever the language: the canonical does not change.
    assert found["canonical"] == f"{settings.SITE_URL}{product.url}"
