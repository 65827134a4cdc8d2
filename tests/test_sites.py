"""The request's Wagtail site, its root page and the site root paths come from one query
(``community.sites``), and they are the ones Wagtail itself would find."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from community import sites


def request_for(host: str):
    return RequestFactory().get("/", HTTP_HOST=host)


@pytest.fixture
def several_sites(page_tree):
    home = page_tree["home"]
    other_root = Page.objects.get(depth=1).add_child(instance=Page(title="Другой сайт", slug="other"))
    Site.objects.create(hostname="shop.example", port=80, root_page=other_root, site_name="Другой")
    Site.objects.create(hostname="shop.example", port=8080, root_page=home, site_name="Порт")
    return home, other_root


@pytest.mark.parametrize("host", ["testserver", "shop.example", "shop.example:8080", "shop.example:9000",
                                  "unknown.example", "unknown.example:8080"])
def test_the_site_is_the_one_wagtail_finds(several_sites, host, settings):
    settings.ALLOWED_HOSTS = ["*"]
    theirs = Site._find_for_request(request_for(host))
    request = request_for(host)
    sites.load(request)
    assert request._wagtail_site == theirs
    if theirs is not None:
        assert request._wagtail_site.root_page.pk == theirs.root_page.pk


def test_one_query_brings_the_site_its_specific_root_page_and_the_root_paths(page_tree):
    cache.clear()
    expected = Site.get_site_root_paths()
    cache.clear()
    request = request_for("testserver")
    with CaptureQueriesContext(connection) as queries:
        assert sites.root_paths(request) == expected
        site = Site.find_for_request(request)
        root = site.root_page.localized.specific  # what Wagtail routes from
    assert len(queries) == 1
    assert type(root).__name__ == "HomePage" and root.pk == site.root_page_id
    with CaptureQueriesContext(connection) as queries:
        assert Site.get_site_root_paths() == expected  # and Wagtail's cache has them
    assert len(queries) == 0


def test_a_product_page_reads_its_site_once(client, product):
    client.get(product.url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(product.url + "reviews/").status_code == 200
    assert sum('FROM "wagtailcore_site"' in query["sql"] for query in queries.captured_queries) == 1
