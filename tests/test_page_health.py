"""Every core page is valid HTML5 with labelled controls, one h1 and landmarks."""

import pytest

from tests.html_checks import assert_healthy_page


@pytest.fixture
def pages(page_tree):
    return {
        "home": "/",
        "category": page_tree["laptops"].url,
        "subcategory": page_tree["gaming"].url,
        "product": page_tree["products"][0].url,
        "search": "/search/?q=ASUS",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "password reset": "/accounts/password/reset/",
        "404": "/no-such-page/",
    }


def test_public_pages_are_healthy(client, pages):
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), name
        try:
            assert_healthy_page(response.content.decode())
        except AssertionError as error:
            raise AssertionError(f"{name} ({url}): {error}") from None


def test_account_pages_are_healthy(client, shopper):
    client.force_login(shopper)
    for url in ("/cabinet/", f"/users/{shopper.username}/", "/accounts/password/change/", "/accounts/email/",
                "/notifications/", "/notifications/settings/", "/cabinet/privacy/"):
        response = client.get(url)
        assert response.status_code == 200, url
        try:
            assert_healthy_page(response.content.decode())
        except AssertionError as error:
            raise AssertionError(f"{url}: {error}") from None
