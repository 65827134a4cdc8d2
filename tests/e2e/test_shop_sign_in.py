"""Sign-in with the shop's account in a real chromium, through a real OpenID Connect provider.

The provider (tests/accounts/oidc_provider.py) runs on a free local port and asks the person:
its /authorize shows a sign-in form. The daphne server is started with ``SHOP_OIDC_*`` pointing
at it, exactly as a deployment is configured.
"""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from tests.accounts.oidc_provider import Customer, OIDCProvider
from tests.conftest import DaphneServer

pytestmark = pytest.mark.browser


@pytest.fixture
def shop():
    """The shop's identity server, asking the customer to press «Sign in»."""
    customer = Customer("cust-browser-1", "marina@shop.example", preferred_username="marina_shop", name="Марина")
    with OIDCProvider(customer=customer, asks_user=True) as provider:
        yield provider


@pytest.fixture
def shop_site(transactional_db, shop):
    """A daphne server configured with the shop's sign-in (this module's own server)."""
    server = DaphneServer(env_extra={
        "SHOP_OIDC_SERVER_URL": shop.issuer,
        "SHOP_OIDC_CLIENT_ID": shop.client_id,
        "SHOP_OIDC_CLIENT_SECRET": shop.client_secret,
    }).start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, shop_site):
    context = browser.new_context(base_url=shop_site.url, locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_shop_customer_signs_in_through_the_shop_in_the_browser(page, shop, shop_site, screenshot):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Войти через аккаунт магазина").click()

    # At the shop: its own page, asking the customer.
    page.wait_for_url(f"{shop.issuer}/authorize?**")
    assert page.get_by_role("heading", name="Shop sign-in").is_visible()
    page.get_by_role("button", name="Sign in").click()

    # Back at the community, signed in as the shop's customer: the header shows the account.
    page.wait_for_url(f"{shop_site.url}/cabinet/")
    linked = SocialAccount.objects.select_related("user__profile").get(provider="shop", uid="cust-browser-1")
    account = page.locator("header .account-link")
    account.wait_for()
    assert account.inner_text().split() == [linked.user.profile.initials, "Личный", "кабинет"]
    assert page.get_by_role("button", name="Выйти").is_visible()
    assert page.get_by_role("link", name="Войти", exact=True).count() == 0
    screenshot(page, "shop-sign-in-cabinet")

    # That account is linked by the shop's `sub`, and the flow went through the shop's form.
    assert linked.user.email == "marina@shop.example"
    assert get_user_model().objects.count() == 1
    assert [
        r for r in shop.requests if r.endswith(("/authorize", "/token"))
    ] == ["GET /authorize", "POST /authorize", "POST /token"]
