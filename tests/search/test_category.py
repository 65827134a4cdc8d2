"""Category pages: filters by brand, price, rating and stock with facet counts, sorts by
rating and number of reviews — served by the search engine."""

from __future__ import annotations

import re

import pytest

from tests.html_checks import assert_healthy_page

pytestmark = pytest.mark.django_db


def cards(html: str) -> list[str]:
    return re.findall(r'<h3 class="product-card-title">([^<]*)</h3>', html)


def test_filters_show_facet_counts_and_filter_by_brand(client, corpus):
    url = corpus["laptops"].url
    html = client.get(url).content.decode()
    assert_healthy_page(html)
    assert re.search(r'value="ASUS"> ASUS <span class="facet-count">1</span>', html)
    assert re.search(r'value="Lenovo"> Lenovo <span class="facet-count">1</span>', html)
    filtered = client.get(url, {"brand": "Lenovo"}).content.decode()
    assert cards(filtered) == ["Lenovo ThinkPad E14"]
    assert re.search(r'value="Lenovo" checked> Lenovo', filtered)
    assert_healthy_page(filtered)


def test_price_range_rating_and_stock_filters(client, corpus):
    url = corpus["home"].url
    assert cards(client.get(url + corpus["fridges"].slug + "/", {"in_stock": "1"}).content.decode()) == []
    laptops = corpus["laptops"].url
    assert cards(client.get(laptops, {"price_min": "50000"}).content.decode()) == ["Lenovo ThinkPad E14"]
    assert cards(client.get(laptops, {"stars": "4"}).content.decode()) == ["ASUS ROG Strix G16"]


def test_sorted_by_rating_and_by_number_of_reviews(client, corpus):
    laptops = corpus["laptops"].url
    assert cards(client.get(laptops, {"sort": "rating"}).content.decode())[:2] == ["ASUS ROG Strix G16", "MSI Katana 15"]
    by_reviews = cards(client.get(laptops, {"sort": "reviews"}).content.decode())
    assert set(by_reviews[:2]) == {"ASUS ROG Strix G16", "MSI Katana 15"} and by_reviews[2] == "Lenovo ThinkPad E14"


def test_bad_filter_values_never_error(client, corpus):
    laptops = corpus["laptops"].url
    for params in ({"price_min": "abc"}, {"price_max": "1e999"}, {"stars": "<b>"}, {"brand": "x" * 500},
                   {"sort": "'; drop"}, {"page": "99999"}):
        response = client.get(laptops, params)
        assert response.status_code == 200
        assert "<b>" not in response.content.decode()
