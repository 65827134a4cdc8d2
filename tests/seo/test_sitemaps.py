"""The sitemap index and its sections: only published, indexable pages, on SITE_URL, with a
lastmod that follows what the pages show, at a fixed number of queries whatever the size."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.accounts import trust
from community.moderation.services import moderate
from tests import factories
from tests.experts import factories as people

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def make_member(username: str):
    """A contributor past Newcomer (the level the experts app keeps on the profile)."""
    user = people.person(username)
    user.profile.level = "member"
    user.profile.save(update_fields=["level"])
    return user


def sections(client) -> dict[str, str]:
    """``{section url: xml}`` for every section page the index lists."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and index["Content-Type"].startswith("application/xml")
    root = ET.fromstring(index.content)  # noqa: S314  (our own output)
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    found = {}
    for loc in root.findall("sm:sitemap/sm:loc", NS):
        assert loc.text.startswith(settings.SITE_URL + "/sitemap-")
        parts = urlsplit(loc.text)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert response.status_code == 200, loc.text
        found[loc.text] = response.content
    return found


def urls(client) -> dict[str, str | None]:
    """Every ``<loc>`` of every section with its ``<lastmod>``."""
    listed = {}
    for body in sections(client).values():
        for url in ET.fromstring(body).findall("sm:url", NS):  # noqa: S314
            listed[url.find("sm:loc", NS).text] = getattr(url.find("sm:lastmod", NS), "text", None)
    return listed


def test_the_index_lists_every_section_and_only_indexable_pages_that_answer_200(client, page_tree, newcomer, moderator):
    product = page_tree["products"][0]
    author = make_member("rosalind")
    review = people.review(author, product)
    question = people.question(author, product, title="Подойдёт ли для монтажа видео?")
    people.answer(make_member("orlando"), question)
    # A Newcomer's own question (noindex) and profile stay out; so does removed content.
    lonely = people.question(newcomer, page_tree["products"][1], title="Вопрос только от новичка?")
    removed = people.question(author, product, title="Удалённый вопрос про ноутбук")
    moderate(moderator=moderator, content=removed, action="remove", reason="Спам")

    listed = urls(client)
    paths = {urlsplit(u).path for u in listed}
    assert all(u.startswith(settings.SITE_URL + "/") for u in listed)
    assert product.url in paths and page_tree["gaming"].url in paths
    assert f"{product.url}reviews/" in paths
    assert f"{page_tree['products'][1].url}reviews/" not in paths  # no reviews there
    assert question.get_url() in paths
    assert "/users/rosalind/" in paths and "/users/orlando/" in paths
    assert lonely.get_url() not in paths and removed.get_url() not in paths
    assert f"/users/{newcomer.username}/" not in paths
    site = settings.SITE_URL
    for url in (product.url, f"{product.url}reviews/", question.get_url(), "/users/rosalind/"):
        assert listed[site + url], url  # a lastmod from the content shown
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'name="robots" content="noindex' not in response.content.decode(), path
    assert review.pk


def test_a_new_or_hidden_review_moves_its_products_lastmod(client, product, moderator):
    from django.utils import timezone

    from community.catalog.models import ProductPage
    from reviews.models import Review

    now = timezone.now()
    product.save_revision().publish()
    ProductPage.objects.filter(pk=product.pk).update(last_published_at=now - timezone.timedelta(hours=2))
    author = make_member("rosalind")
    before = urls(client)[settings.SITE_URL + product.url]
    review = people.review(author, product)
    Review.objects.filter(pk=review.pk).update(created=now - timezone.timedelta(hours=1))
    after_new = urls(client)[settings.SITE_URL + product.url]
    assert after_new > before
    moderate(moderator=moderator, content=review, action="hide", reason="Спам")
    after_hidden = urls(client)[settings.SITE_URL + product.url]
    assert after_hidden > after_new
    # The review page is no longer listed: no published review is left.
    assert settings.SITE_URL + product.url + "reviews/" not in urls(client)


def test_a_section_costs_the_same_queries_whatever_its_size(client, page_tree):
    gaming = page_tree["gaming"]

    def grow(n: int, start: int) -> None:
        for i in range(n):
            member = make_member(f"member{start + i}")
            item = factories.product(gaming)
            people.review(member, item)
            people.answer(member, people.question(member, item, title=f"Вопрос номер {start + i} про товар?"))

    def counts() -> dict[str, int]:
        found = {}
        for section in ("categories", "products", "reviews", "questions", "profiles"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/sitemap-{section}.xml").status_code == 200
            found[section] = len(queries)
        with CaptureQueriesContext(connection) as queries:
            client.get("/sitemap.xml")
        found["index"] = len(queries)
        return found

    grow(2, 0)
    counts()  # warms the cached site root paths
    small = counts()
    grow(6, 100)
    assert counts() == small
    index = small.pop("index")
    # A section: what the categories cost (a COUNT, its rows…) and one GROUP BY per kind of content that moves its lastmod
    # (products: reviews, questions, answers; chat lines are not part of a product's lastmod).
    from wagtail import hooks

    assert small["products"] <= small["categories"] + len(hooks.get_hooks("product_sitemap_lastmod")), small
    assert max(small.values()) <= 6, small
    # The index: a COUNT and one aggregate per lastmod column of each section.
    assert index <= 24, index


def test_the_sql_and_python_forms_of_the_indexing_rule_agree(db, newcomer, staff):
    member = make_member("viola")
    expert = people.person("sebastian")
    expert.profile.expert_categories = [{"id": 1, "title": "Ноутбуки"}]
    expert.profile.save(update_fields=["expert_categories"])
    users = [newcomer, staff, member, expert, people.person("plain")]
    by_sql = set(get_user_model().objects.filter(trust.indexable_authors_q()).values_list("pk", flat=True))
    by_python = {u.pk for u in users if trust.is_indexable([u])}
    assert by_sql & {u.pk for u in users} == by_python
    assert by_python == {staff.pk, member.pk, expert.pk}


def test_robots_txt_keeps_crawlers_out_of_private_and_search_pages(client, db):
    body = client.get("/robots.txt").content.decode()
    for disallowed in ("/search/", "/accounts/", "/cabinet/", "/chat/", "/admin/", "/api/"):
        assert f"Disallow: {disallowed}\n" in body
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in body


def test_a_section_over_its_limit_is_split_into_pages_listed_by_the_index(client, page_tree, monkeypatch):
    from community import seo

    monkeypatch.setattr(seo.CanonicalSitemap, "limit", 2)
    listed = sections(client)
    products = [url for url in listed if "/sitemap-products.xml" in url]
    assert products == [f"{settings.SITE_URL}/sitemap-products.xml",
                        f"{settings.SITE_URL}/sitemap-products.xml?p=2"]
    assert seo.SITEMAP_LIMIT == 50_000


def test_a_section_page_that_does_not_exist_is_a_404_never_a_500(client, page_tree):
    assert client.get("/sitemap-products.xml").status_code == 200
    for query in ("p=0", "p=2", "p=abc", "p=%C2%B2", "p=99999999999999999999", "p=-1"):
        assert client.get(f"/sitemap-products.xml?{query}").status_code == 404, query
    assert client.get("/sitemap-nonsense.xml").status_code == 404


def test_a_section_is_well_formed_xml_with_escaped_urls_and_keeps_crawlers_from_indexing_it(client, page_tree):
    from wagtail.models import Page

    product = page_tree["products"][0]
    Page.objects.filter(pk=product.pk).update(url_path=product.url_path.rstrip("/") + "-a&b<c/")
    response = client.get("/sitemap-products.xml")
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    locs = [loc.text for loc in ET.fromstring(response.content).findall("sm:url/sm:loc", NS)]  # noqa: S314
    assert any(loc.endswith("-a&b<c/") for loc in locs), locs


def test_the_index_is_kept_in_the_cache_for_a_while_and_rebuilt_after(client, page_tree, settings, monkeypatch):
    """Its aggregates read whole tables: a crawler's second visit reads the cache, not them."""
    from django.core.cache import cache

    from community import seo

    settings.SITEMAP_INDEX_CACHE_SECONDS = 900
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        first = client.get("/sitemap.xml")
    with CaptureQueriesContext(connection) as warm:
        second = client.get("/sitemap.xml")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert len(warm) < len(cold) and not [q for q in warm.captured_queries if "COUNT(" in q["sql"].upper()]
    # Once the entry expires (here: cleared), a section grown past a page is listed as two.
    monkeypatch.setattr(seo.CanonicalSitemap, "limit", 2)
    assert b"/sitemap-products.xml?p=2" not in client.get("/sitemap.xml").content  # still the kept index
    cache.clear()
    assert b"/sitemap-products.xml?p=2" in client.get("/sitemap.xml").content
