"""Product cards (home page, category pages, filtered listings) show the stored rating."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.reviews.factories import published_review

pytestmark = pytest.mark.django_db


def _card(html: str, title: str) -> str:
    start = html.index(f'<h3 class="product-card-title">{title}</h3>')
    return html[start:html.index("</article>", start)]


def test_cards_show_the_average_rating_and_the_number_of_reviews(client, page_tree):
    asus, msi, _xiaomi = page_tree["products"]
    published_review(asus, rating=5)
    published_review(asus, rating=4)
    html = client.get(page_tree["gaming"].url).content.decode()
    asus_card = _card(html, "ASUS ROG Strix G16")
    assert "<strong>4,5</strong>" in asus_card and "2 отзыва" in asus_card
    assert "Нет отзывов" in _card(html, "MSI Katana 15")
    # The same card on the home page and in a filtered (search-engine) listing.
    assert "<strong>4,5</strong>" in _card(client.get("/").content.decode(), "ASUS ROG Strix G16")
    call_command("reindex", stdout=io.StringIO())  # the filtered listing is served by the search index
    filtered = client.get(page_tree["gaming"].url + "?brand=ASUS").content.decode()
    assert "2 отзыва" in _card(filtered, "ASUS ROG Strix G16")


def test_ratings_on_cards_cost_no_query_per_card(client, page_tree):
    gaming = page_tree["gaming"]
    url = gaming.url
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(12):
        published_review(factories.product(gaming, f"Ноутбук {n}"), rating=1 + n % 5)
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count('class="product-card-rating"') == 14
    assert len(many.captured_queries) <= len(few.captured_queries)
