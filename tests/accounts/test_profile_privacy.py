"""A private public profile (the personal account's «Публичный профиль» switch): others get 404
(as for an unknown user: nothing is revealed), the owner sees it marked private; it leaves the
sitemap, carries no ProfilePage markup, and the author's name is no longer a link anywhere
(pages, QAPage markup, the API). Contributions stay visible and searchable."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from community.accounts import services
from search import rebuild
from search.engines import get_engine
from tests.experts import factories as people
from tests.reviews.factories import published_review
from tests.seo.test_sitemaps import make_member, urls

SCRIPT = re.compile(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def jsonld_types(response) -> set[str]:
    return {json.loads(raw)["@type"] for raw in SCRIPT.findall(response.content.decode())}


def make_private(user) -> None:
    services.profile_set_public(user=user, public=False)
    user.profile.refresh_from_db()


def test_the_owner_turns_the_profile_off_and_on_in_the_personal_account(client, shopper):
    client.force_login(shopper)
    page = client.get("/cabinet/privacy/").content.decode()
    assert 'name="public"' in page and "checked" in page  # public by default
    response = client.post("/cabinet/privacy/", {"action": "visibility"})  # the box unticked
    assert response.status_code == 302
    shopper.profile.refresh_from_db()
    assert shopper.profile.public is False
    assert "Ваш профиль скрыт." in client.get("/cabinet/privacy/").content.decode()
    client.post("/cabinet/privacy/", {"action": "visibility", "public": "on"})
    shopper.profile.refresh_from_db()
    assert shopper.profile.public is True


def test_only_the_owner_can_change_it(client, shopper):
    response = client.post("/cabinet/privacy/", {"action": "visibility"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    shopper.profile.refresh_from_db()
    assert shopper.profile.public is True


def test_others_get_404_and_the_owner_a_private_noindex_page_without_markup(client, shopper, other_shopper):
    make_private(shopper)
    assert client.get(f"/users/{shopper.username}/").status_code == 404
    client.force_login(other_shopper)
    assert client.get(f"/users/{shopper.username}/").status_code == 404
    client.force_login(shopper)
    response = client.get(f"/users/{shopper.username}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ваш профиль скрыт: эту страницу видите только вы." in content
    assert 'content="noindex' in content
    assert "ProfilePage" not in jsonld_types(response)


def test_a_public_profile_keeps_its_profile_page_markup(client, shopper):
    assert "ProfilePage" in jsonld_types(client.get(f"/users/{shopper.username}/"))


def test_a_cached_copy_is_not_revalidated_once_the_profile_is_private(shopper):
    anonymous = Client()
    etag = anonymous.get(f"/users/{shopper.username}/")["ETag"]
    assert anonymous.get(f"/users/{shopper.username}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    make_private(shopper)
    assert anonymous.get(f"/users/{shopper.username}/", HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_a_private_profile_leaves_the_sitemap(client, page_tree):
    product = page_tree["products"][0]
    rosalind, orlando = make_member("rosalind"), make_member("orlando")
    people.review(rosalind, product)
    people.review(orlando, page_tree["products"][1])
    make_private(orlando)
    paths = {urlsplit(url).path for url in urls(client)}
    assert "/users/rosalind/" in paths
    assert "/users/orlando/" not in paths


def test_the_authors_name_is_not_a_link_on_pages_and_in_markup(client, product, shopper, other_shopper):
    review = published_review(product, author=shopper, title="Хороший ноутбук")
    question = people.question(other_shopper, product, title="Есть ли подсветка клавиатуры?")
    people.answer(shopper, question, text="Да, белая подсветка в три уровня.")
    make_private(shopper)
    link = f'href="/users/{shopper.username}/"'
    for url in (review.get_absolute_url(), question.get_url(), f"{product.url}reviews/"):
        content = client.get(url).content.decode()
        assert shopper.profile.name in content, url  # the contribution stays, signed
        assert link not in content, url
    assert f'href="/users/{other_shopper.username}/"' in client.get(question.get_url()).content.decode()
    qa_page = next(json.loads(raw) for raw in SCRIPT.findall(client.get(question.get_url()).content.decode())
                   if json.loads(raw)["@type"] == "QAPage")
    answer_author = qa_page["mainEntity"]["suggestedAnswer"][0]["author"]
    assert answer_author["name"] == shopper.profile.name and "url" not in answer_author
    assert "url" in qa_page["mainEntity"]["author"]


def test_the_api_gives_no_profile_link_for_a_private_profile(client, product, shopper):
    published_review(product, author=shopper)
    make_private(shopper)
    data = client.get(f"/api/v1/products/{product.sku}/reviews").json()
    assert data["items"][0]["author"]["profile_url"] is None


def test_search_finds_the_contribution_but_never_links_the_private_profile(client, product, shopper):
    published_review(product, author=shopper, title="Уникальный отзыв про клавиатуру")
    make_private(shopper)
    rebuild.rebuild(get_engine(), rebuild.ALL_KINDS)
    content = client.get("/search/", {"q": "клавиатуру"}).content.decode()
    assert "Уникальный отзыв" in content
    assert f"/users/{shopper.username}/" not in content
    assert f"/users/{shopper.username}/" not in client.get("/search/", {"q": shopper.username}).content.decode()


def test_pages_cached_before_the_profile_goes_private_drop_the_link_at_once(client, product, shopper, other_shopper):
    """The anonymous page cache is keyed by the pages' versions, which count the authors' public
    profiles: hiding one shows on the next request, not when the cache expires."""
    published_review(product, author=shopper, title="Хороший ноутбук")
    question = people.question(other_shopper, product, title="Есть ли подсветка клавиатуры?")
    people.answer(shopper, question, text="Да, белая подсветка в три уровня.")
    question_by_shopper = people.question(shopper, product, title="Греется ли под нагрузкой?")
    link = f'href="/users/{shopper.username}/"'
    urls = (product.url, f"{product.url}reviews/", question.get_url(), question_by_shopper.get_url())
    for url in urls:
        assert link in client.get(url).content.decode(), url  # now in the cache
    make_private(shopper)
    for url in urls:
        content = client.get(url).content.decode()
        assert shopper.profile.name in content and link not in content, url
