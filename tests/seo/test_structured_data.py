"""JSON-LD on product, question, profile, catalog and home pages: Google's required and
recommended properties, and the markup equals what the page shows."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings

from community.moderation.models import Status
from tests.experts import factories as people


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    """Contributions publish at once (the tests that need pending content turn it back on)."""
    settings.MODERATION_PREMODERATE_FIRST = 0


SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def jsonld(response) -> dict[str, dict]:
    """Every JSON-LD block of the page by its ``@type``."""
    blocks = [json.loads(raw) for raw in SCRIPT.findall(response.content.decode())]
    return {block["@type"]: block for block in blocks}


def absolute(url: str) -> bool:
    return url.startswith(settings.SITE_URL + "/")


def assert_breadcrumbs(block: dict, last_name: str) -> None:
    # Google: itemListElement of ListItems with position, name and item (the last may omit it).
    items = block["itemListElement"]
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))
    assert all(i["@type"] == "ListItem" and i["name"] and absolute(i["item"]) for i in items)
    assert items[-1]["name"] == last_name


def rated_product(product, *authors_ratings):
    reviews = [people.review(people.person(name), product, rating=rating, title=f"Отзыв {name}")
               for name, rating in authors_ratings]
    return reviews


def test_a_product_page_is_a_product_snippet_with_its_rating_and_the_reviews_it_shows(client, product):
    rated_product(product, ("rosalind", 5), ("orlando", 4), ("celia", 4))
    response = client.get(product.url)
    data = jsonld(response)
    item = data["Product"]
    # Product snippet: name required; one of review / aggregateRating / offers.
    assert item["name"] == product.title and item["sku"] == product.sku
    assert item["brand"] == {"@type": "Brand", "name": product.brand}
    assert item["description"] and absolute(item["url"])
    offer = item["offers"]
    assert offer["price"] == f"{product.price:.2f}" and offer["priceCurrency"] == "RUB"
    assert offer["availability"] == "https://schema.org/InStock" and absolute(offer["url"])
    rating = item["aggregateRating"]
    assert rating == {"@type": "AggregateRating", "ratingValue": 4.3, "reviewCount": 3,
                      "bestRating": 5, "worstRating": 1}
    # What the visitor sees: the same average and count.
    html = response.content.decode()
    assert '<strong class="rating-short-value">4,3</strong>' in html
    assert "3 отзыва" in html
    # Review snippets: author, reviewRating with ratingValue, datePublished, name, reviewBody.
    assert len(item["review"]) == 3
    for review in item["review"]:
        assert review["author"]["@type"] == "Person" and review["author"]["name"]
        assert review["reviewRating"]["ratingValue"] in (4, 5)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", review["datePublished"])
        assert review["name"].startswith("Отзыв ") and review["reviewBody"]
        assert review["name"] in html
    assert_breadcrumbs(data["BreadcrumbList"], product.title)
    assert "Organization" not in data


def test_a_product_without_published_reviews_has_no_rating_markup(client, product, newcomer, settings):
    from reviews import services

    settings.MODERATION_PREMODERATE_FIRST = 1
    services.review_create(author=newcomer, product=product, rating=1, title="Ждёт модерации", text="Текст отзыва новичка")
    item = jsonld(client.get(product.url))["Product"]
    assert "aggregateRating" not in item and "review" not in item
    assert "offers" in item


def test_the_shops_reply_is_not_a_review(client, product, staff):
    from reviews import services

    (review,) = rated_product(product, ("rosalind", 5))
    services.review_reply(author=staff, review=review, text="Спасибо за отзыв!")
    item = jsonld(client.get(product.url))["Product"]
    assert len(item["review"]) == 1
    assert "Спасибо" not in json.dumps(item, ensure_ascii=False)


def test_a_question_page_is_a_qapage_whose_answers_have_an_author_url_and_votes(client, product):
    asker, answerer = people.person("viola"), people.person("sebastian")
    question = people.question(asker, product, title="Есть ли подсветка клавиатуры?")
    people.answer(answerer, question, text="Да, трёхзонная RGB-подсветка.")
    response = client.get(question.get_url())
    data = jsonld(response)
    entity = data["QAPage"]["mainEntity"]
    # QAPage: Question with name, answerCount, and at least one answer with text and author.
    assert entity["name"] == question.title and entity["answerCount"] == 1
    assert absolute(entity["author"]["url"])
    answers = entity.get("suggestedAnswer", []) + ([entity["acceptedAnswer"]] if "acceptedAnswer" in entity else [])
    assert answers
    for answer in answers:
        assert answer["text"] and "upvoteCount" in answer and absolute(answer["url"])
        assert answer["author"]["url"] == f"{settings.SITE_URL}/users/sebastian/"
    assert_breadcrumbs(data["BreadcrumbList"], question.title)


def test_a_category_page_has_breadcrumbs_and_the_home_page_a_site_search(client, page_tree):
    data = jsonld(client.get(page_tree["gaming"].url))
    assert_breadcrumbs(data["BreadcrumbList"], "Игровые ноутбуки")
    assert [i["name"] for i in data["BreadcrumbList"]["itemListElement"]] == ["Каталог", "Ноутбуки", "Игровые ноутбуки"]
    site = jsonld(client.get("/"))["WebSite"]
    assert site["url"] == settings.SITE_URL + "/"
    action = site["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == f"{settings.SITE_URL}/search/?q={{search_term_string}}"
    assert action["query-input"] == "required name=search_term_string"


def test_a_profile_is_a_profile_page_of_a_person(client, product):
    author = people.person("rosalind")
    author.profile.about = "Люблю ноутбуки"
    author.profile.save()
    page = jsonld(client.get("/users/rosalind/"))["ProfilePage"]
    person = page["mainEntity"]
    # ProfilePage: mainEntity Person with name (required); alternateName, identifier, description.
    assert person["@type"] == "Person" and person["name"] == author.profile.name
    assert person["alternateName"] == "rosalind" and person["description"] == "Люблю ноутбуки"
    assert person["url"] == f"{settings.SITE_URL}/users/rosalind/"
    assert page["dateCreated"]


def test_removed_or_pending_content_gets_no_markup(client, product, newcomer, settings):
    from community.qa import services

    settings.MODERATION_PREMODERATE_FIRST = 1
    question = services.question_ask(author=newcomer, product=product, title="Вопрос новичка на модерации")
    assert question.status == Status.PENDING
    client.force_login(newcomer)
    assert "QAPage" not in jsonld(client.get(question.get_url()))


def test_json_ld_cannot_close_its_script_element():
    from community import seo

    text = seo.jsonld({"reviewBody": "</script><script>alert(1)</script> & <b>жирный</b>"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"reviewBody": "</script><script>alert(1)</script> & <b>жирный</b>"}
