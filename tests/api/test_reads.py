"""The public API's reads (/api/v1/): ratings by SKU, reviews, questions, Experts; only published
content, authors without e-mail, one error shape, validators and 304, CORS for the shop only,
and a fixed number of queries whatever the amount of content."""

from __future__ import annotations

import json

import pytest

from community.moderation import services as moderation
from community.moderation.models import Status
from experts import services as expert_services
from reviews.models import Review
from tests.factories import UserFactory
from tests.qa import factories as qa
from tests.reviews.factories import bulk_reviews, published_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _trusted(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    settings.SHOP_API_CORS_ORIGINS = ["https://shop.example"]


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, (json.loads(response.content) if response.content else None)


def test_the_openapi_schema_and_the_docs_are_served(client):
    response, schema = get(client, "/api/v1/openapi.json")
    assert response.status_code == 200
    paths = set(schema["paths"])
    assert {"/api/v1/ratings", "/api/v1/products/{sku}/reviews", "/api/v1/reviews/{review_id}",
            "/api/v1/products/{sku}/questions", "/api/v1/questions/{question_id}", "/api/v1/answers/{answer_id}",
            "/api/v1/products/{sku}/experts"} <= paths
    # Typed answers: every read documents its 200 schema and the error shape.
    ratings = schema["paths"]["/api/v1/ratings"]["get"]["responses"]
    assert "200" in ratings and "400" in ratings
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    # Served from the site's own static files (the CSP allows no other origin).
    assert "/static/ninja/swagger-ui-bundle" in docs.content.decode() and "cdn" not in docs.content.decode()


def test_ratings_of_many_skus_come_in_one_call_with_average_count_and_histogram(client, page_tree):
    first, second, third = page_tree["products"]
    for rating in (5, 4, 4):
        published_review(first, rating=rating)
    response, data = get(client, f"/api/v1/ratings?sku={first.sku},{second.sku}&sku=NOPE-1")
    assert response.status_code == 200
    by_sku = {item["sku"]: item for item in data["items"]}
    assert by_sku[first.sku]["review_count"] == 3
    assert by_sku[first.sku]["average"] == pytest.approx(4.33, abs=0.01)
    assert by_sku[first.sku]["histogram"] == [{"stars": 5, "count": 1}, {"stars": 4, "count": 2},
                                              {"stars": 3, "count": 0}, {"stars": 2, "count": 0},
                                              {"stars": 1, "count": 0}]
    assert by_sku[first.sku]["product_url"].endswith(first.url)
    assert by_sku[second.sku] == {**by_sku[second.sku], "review_count": 0, "average": None}
    assert data["unknown"] == ["NOPE-1"]


def test_more_than_100_skus_is_a_400_in_the_error_shape(client, page_tree):
    skus = ",".join(f"S-{n}" for n in range(101))
    response, data = get(client, f"/api/v1/ratings?sku={skus}")
    assert response.status_code == 400
    assert data["error"]["code"] == "too_many_skus"
    assert "sku" in data["error"]["fields"]


def test_bad_parameters_get_the_error_shape_never_a_500(client, product):
    for url in (f"/api/v1/products/{product.sku}/reviews?stars=9", f"/api/v1/products/{product.sku}/reviews?page=x",
                f"/api/v1/products/{product.sku}/reviews?sort=evil", "/api/v1/reviews/notanumber",
                "/api/v1/ratings", f"/api/v1/products/{product.sku}/reviews?page=99", "/api/v1/products/NOPE/reviews"):
        response, data = get(client, url)
        assert 400 <= response.status_code < 500, url
        assert set(data["error"]) == {"code", "detail", "fields"}, url


def test_a_products_reviews_are_the_published_ones_sorted_and_filtered_like_the_site(client, product, newcomer,
                                                                                       settings):
    low = published_review(product, rating=1)
    high = published_review(product, rating=5, author=UserFactory(username="elsinore", email="secret@example.ru",
                                                                   verified=True))
    settings.MODERATION_PREMODERATE_FIRST = 1
    pending = Review.objects.create(author=newcomer, product=product, rating=5, text="ждёт", status=Status.PENDING)
    response, data = get(client, f"/api/v1/products/{product.sku}/reviews?sort=lowest")
    assert response.status_code == 200
    assert [item["id"] for item in data["items"]] == [low.pk, high.pk]
    assert pending.pk not in [item["id"] for item in data["items"]]
    assert data["count"] == 2 and data["pages"] == 1
    assert "secret@example.ru" not in response.content.decode()
    author = data["items"][1]["author"]
    assert author["username"] == "elsinore" and author["level"] == "newcomer" and author["profile_url"].endswith(
        "/users/elsinore/")
    _, stars = get(client, f"/api/v1/products/{product.sku}/reviews?stars=5")
    assert [item["id"] for item in stars["items"]] == [high.pk]


def test_a_hidden_review_is_gone_and_a_pending_one_unknown(client, product, moderator, newcomer):
    review = published_review(product, rating=2)
    assert client.get(f"/api/v1/reviews/{review.pk}").status_code == 200
    moderation.moderate(moderator=moderator, content=review, action="remove", reason="спам")
    response, data = get(client, f"/api/v1/reviews/{review.pk}")
    assert response.status_code == 410 and data["error"]["code"] == "gone"
    pending = Review.objects.create(author=newcomer, product=product, rating=5, text="ждёт", status=Status.PENDING)
    assert client.get(f"/api/v1/reviews/{pending.pk}").status_code == 404


def test_reads_carry_validators_and_a_conditional_request_gets_304(client, product):
    review = published_review(product, rating=4)
    url = f"/api/v1/products/{product.sku}/reviews"
    response = client.get(url)
    assert response["Cache-Control"].startswith("public, max-age=")
    etag, modified = response["ETag"], response["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    Review.objects.filter(pk=review.pk).update(helpful_count=3)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_cors_is_granted_to_the_shops_origin_only(client, product):
    url = f"/api/v1/ratings?sku={product.sku}"
    shop = client.get(url, headers={"Origin": "https://shop.example"})
    assert shop["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Origin" in shop["Vary"]
    other = client.get(url, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other
    preflight = client.options(url, headers={"Origin": "https://shop.example",
                                             "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Methods" not in client.options(url, headers={"Origin": "https://evil.example"})


def test_questions_come_with_their_best_answers_and_a_single_question_with_its_answers(client, product, shopper,
                                                                                          other_shopper, staff):
    question = qa.ask(shopper, product, "Есть ли подсветка клавиатуры?")
    first = qa.answer(other_shopper, question, "Есть, белая.")
    accepted = qa.answer(staff, question, "Да, RGB с тремя зонами.")
    from community.qa import services as qa_services

    qa_services.answer_accept(actor=shopper, answer=accepted)
    response, data = get(client, f"/api/v1/products/{product.sku}/questions")
    assert response.status_code == 200
    [item] = data["items"]
    assert item["title"] == "Есть ли подсветка клавиатуры?"
    assert item["best_answer"]["id"] == accepted.pk and item["best_answer"]["is_accepted"]
    assert item["best_answer"]["by_shop"] is True
    _, detail = get(client, f"/api/v1/questions/{question.pk}")
    assert [a["id"] for a in detail["answers"]] == [accepted.pk, first.pk]
    assert detail["url"].endswith(f"questions/{question.pk}-{question.slug}/")
    _, single = get(client, f"/api/v1/answers/{first.pk}")
    assert single["text_html"] == first.text_html and single["is_accepted"] is False


def test_the_experts_of_a_products_category(client, page_tree, moderator):
    product = page_tree["products"][0]
    expert = UserFactory(username="yorick", verified=True)
    expert_services.expert_grant(moderator=moderator, user=expert, category=page_tree["laptops"], reason="знаток")
    response, data = get(client, f"/api/v1/products/{product.sku}/experts")
    assert response.status_code == 200
    assert data["category"]["title"] == "Ноутбуки"
    [item] = data["items"]
    assert item["author"]["username"] == "yorick"
    assert item["author"]["expert_in"] == ["Ноутбуки"]
    _, phones = get(client, f"/api/v1/products/{page_tree['products'][2].sku}/experts")
    assert phones["items"] == []


def test_every_read_costs_a_fixed_number_of_queries(client, product, django_assert_max_num_queries):
    bulk_reviews(product, 30)
    questions = qa.bulk_questions(product, qa.bulk_users(5, prefix="asker"), 30)
    urls = [f"/api/v1/ratings?sku={product.sku}", f"/api/v1/products/{product.sku}/reviews?photos=1",
            f"/api/v1/products/{product.sku}/reviews", f"/api/v1/products/{product.sku}/questions?sort=votes",
            f"/api/v1/questions/{questions[0].pk}", f"/api/v1/products/{product.sku}/experts"]
    for url in urls:
        client.get(url)  # warm Wagtail's cached site root paths
    budgets = [2, 5, 4, 5, 5, 3]
    for url, budget in zip(urls, budgets, strict=True):
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url
