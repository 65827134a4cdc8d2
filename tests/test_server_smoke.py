"""The real server process: daphne serves the catalog over HTTP."""

import urllib.request

import pytest

pytestmark = pytest.mark.server


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (loopback only)
        return response.status, response.read().decode()


def test_daphne_serves_home_category_and_product_pages(page_tree, daphne_server):
    status, body = fetch(daphne_server.url + "/")
    assert status == 200 and "Ноутбуки" in body
    status, body = fetch(daphne_server.url + page_tree["gaming"].url)
    assert status == 200 and "ASUS ROG Strix G16" in body
    status, body = fetch(daphne_server.url + page_tree["products"][0].url)
    assert status == 200 and "ASUS ROG Strix G16" in body and "1\xa0990 ₽" in body
    status, css = fetch(daphne_server.url + "/static/css/site.css")
    assert status == 200 and ".site-header" in css
