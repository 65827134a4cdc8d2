"""The widgets for the shop's pages: server-side fragments (published reviews only, escaped, no
inline script or style, cached, CORS for the shop only), the script's size, the demo shop page."""

from __future__ import annotations

import gzip
import re

import pytest

from community.moderation.models import Status
from reviews.models import Review
from tests.html_checks import parse_strict
from tests.reviews.factories import bulk_reviews, published_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shop(settings):
    settings.SHOP_API_CORS_ORIGINS = ["https://shop.example"]


def test_the_reviews_fragment_shows_the_summary_and_the_most_helpful_published_reviews(client, product, newcomer):
    best = published_review(product, rating=5, title="<script>alert(1)</script> Отлично")
    Review.objects.filter(pk=best.pk).update(helpful_score=0.9)
    published_review(product, rating=2, title="Так себе")
    hidden = Review.objects.create(author=newcomer, product=product, rating=1, title="Скрытый", text="x",
                                   status=Status.PENDING)
    response = client.get(f"/embed/v1/{product.sku}/reviews.html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Скрытый" not in html and hidden.pk
    assert "<script" not in html and "&lt;script&gt;" in html
    assert not re.search(r"\sstyle=", html) and not re.search(r"\son\w+=", html)
    assert html.index("Отлично") < html.index("Так себе")  # most helpful first
    assert 'href="http://testserver' not in html  # links are on the canonical origin (SITE_URL)
    assert f"{product.url}reviews/" in html
    _document, errors = parse_strict(f"<!DOCTYPE html><html lang=ru><title>t</title><body>{html}</body></html>")
    assert errors == []
    assert response["X-Robots-Tag"] == "noindex"


def test_the_block_shows_the_best_answered_questions_too(client, product, shopper, other_shopper, settings):
    from tests.qa import factories as qa

    settings.MODERATION_PREMODERATE_FIRST = 0
    published_review(product, rating=5)
    question = qa.ask(shopper, product, "Есть ли подсветка клавиатуры?")
    qa.answer(other_shopper, question, "Есть, белая.")
    qa.ask(shopper, product, "Вопрос без ответа пока что")
    html = client.get(f"/embed/v1/{product.sku}/reviews.html").content.decode()
    assert "Вопросы и ответы" in html and "Есть ли подсветка клавиатуры?" in html and "Есть, белая." in html
    assert "Вопрос без ответа" not in html
    assert f"questions/{question.pk}-{question.slug}/" in html


def test_the_badge_and_the_language(client, product):
    published_review(product, rating=4)
    ru = client.get(f"/embed/v1/{product.sku}/rating.html").content.decode()
    en = client.get(f"/embed/v1/{product.sku}/rating.html?lang=en").content.decode()
    assert "★★★★☆" in ru and "4,0" in ru and "отзыв" in ru
    assert "1 review" in en and 'lang="en"' in en


def test_fragments_are_cached_and_cors_is_for_the_shop_only(client, product):
    url = f"/embed/v1/{product.sku}/reviews.html"
    first = client.get(url, headers={"Origin": "https://shop.example"})
    assert first["Access-Control-Allow-Origin"] == "https://shop.example"
    assert first["Cache-Control"].startswith("public")
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert "Access-Control-Allow-Origin" not in client.get(url, headers={"Origin": "https://evil.example"})
    assert not first.cookies


def test_an_unknown_sku_is_a_404(client, product):
    assert client.get("/embed/v1/NOPE/reviews.html").status_code == 404


def test_a_fragment_costs_a_fixed_number_of_queries(client, product, django_assert_max_num_queries):
    from tests.qa import factories as qa

    bulk_reviews(product, 40)
    qa.bulk_questions(product, qa.bulk_users(5, prefix="asker"), 30)
    url = f"/embed/v1/{product.sku}/reviews.html"
    client.get(url)
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_the_script_is_small_and_has_no_eval(client):
    response = client.get("/embed/v1/embed.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert len(gzip.compress(response.content)) <= 15 * 1024
    source = response.content.decode()
    assert "eval(" not in source and "new Function" not in source and 'credentials: "omit"' in source


def test_the_demo_shop_page_embeds_the_widgets_and_is_not_indexed(client, page_tree):
    product = page_tree["products"][0]
    published_review(product, rating=5)
    response = client.get(f"/demo-shop/{product.sku}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="robots" content="noindex, nofollow"' in html
    assert 'class="cw"' in html  # the server-side include
    assert 'src="/embed/v1/embed.js"' in html and 'data-community-widget="stars"' in html
    _document, errors = parse_strict(html)
    assert errors == []
    assert "Disallow: /demo-shop/" in client.get("/robots.txt").content.decode()
