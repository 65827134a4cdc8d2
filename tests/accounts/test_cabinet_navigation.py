"""The personal account's navigation: the same row of links on each of its pages (overview,
notifications, email settings, privacy and data) with the current one marked, and on the
overview a link to each of its sections (from the ``cabinet_sections`` hook) — plain links, no JS."""

from __future__ import annotations

import re

import pytest

from community.catalog.models import StockStatus
from community.notifications import follows
from tests import factories
from tests.html_checks import assert_healthy_page

PAGES = {"/cabinet/": "Обзор", "/notifications/": "Уведомления", "/notifications/settings/": "Настройки писем",
         "/cabinet/privacy/": "Приватность и мои данные"}
NAV = re.compile(r'<nav class="cabinet-nav" aria-label="Личный кабинет"><ul>(.*?)</ul></nav>', re.S)


def cabinet_nav(html: str) -> list[tuple[str, str, bool]]:
    [nav] = NAV.findall(html)
    return [(url, label, bool(current)) for url, current, label in
            re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)]


@pytest.fixture
def customer(client, shopper, product):
    """A customer with a purchase to review and a product on their waiting list."""
    factories.PurchaseFactory(user=shopper, product=product)
    missing = factories.product(product.get_parent(), "Ноутбук, которого нет", stock_status=StockStatus.OUT_OF_STOCK)
    follows.waiting_list_join(user=shopper, product=missing)
    client.force_login(shopper)
    return shopper


@pytest.mark.parametrize("url", PAGES)
def test_every_account_page_has_the_same_navigation_with_itself_marked(client, customer, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert cabinet_nav(html) == [(page, label, page == url) for page, label in PAGES.items()]
    assert_healthy_page(html)


def test_the_overview_links_each_of_its_sections(client, customer):
    html = client.get("/cabinet/").content.decode()
    [toc] = re.findall(r'<nav class="section-links" aria-label="Разделы на этой странице"><ul>(.*?)</ul></nav>', html,
                       re.S)
    anchors = dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc))
    for wanted in ("Профиль", "Мои покупки", "Уведомления", "Список ожидания", "Мои отзывы"):
        assert wanted in anchors.values(), wanted
    for anchor in anchors:
        assert f'id="{anchor}"' in html, anchor  # every link lands somewhere
    waiting = html[html.index('id="waiting-list"'):]
    assert "Ноутбук, которого нет" in waiting[:2000]
    assert "Оставить отзыв" in html  # beside the purchase


def test_the_overview_costs_the_same_queries_for_one_or_five_purchases(client, customer, product,
                                                                       django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/cabinet/")
    for _n in range(4):
        factories.PurchaseFactory(user=customer, product=factories.product(product.get_parent()))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get("/cabinet/").status_code == 200


def test_the_account_pages_need_a_log_in(client, db):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
