"""Sign-in with the shop's account, through a real OpenID Connect provider on a local port.

The test client follows the flow by hand, as a browser would: the button's POST redirects to the
provider's /authorize, the provider redirects back with a code, and the callback makes allauth
fetch the discovery document, the token, the keys and the user info over real HTTP.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.utils import translation

from community.accounts.models import Profile
from community.catalog.feed import feed_import, parse_feed
from community.catalog.models import Purchase
from tests.accounts.oidc_provider import Customer, OIDCProvider
from tests.factories import PASSWORD, UserFactory
from tests.html_checks import assert_healthy_page
from tests.seo import vnu

LOGIN_URL = "/accounts/oidc/shop/login/"


@pytest.fixture
def shop(settings):
    """The shop's identity server, running, and the community configured to use it."""
    with OIDCProvider() as provider:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [{
                    "provider_id": "shop", "name": "Shop", "client_id": provider.client_id,
                    "secret": provider.client_secret, "settings": {"server_url": provider.issuer},
                }],
            },
        }
        yield provider


def start_sign_in(client) -> str:
    """Press «Войти через аккаунт магазина»; the provider's answer: the callback URL (path + query)."""
    response = client.post(f"{LOGIN_URL}?process=login")
    assert response.status_code == 302, response.content[:500]
    assert urlsplit(response["Location"]).path == "/authorize"
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.netloc == "testserver"
    return f"{back.path}?{back.query}"


def sign_in(client) -> object:
    return client.get(start_sign_in(client))


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def test_without_the_settings_there_is_no_shop_button_and_sign_in_works_as_before(client, shopper):
    page = client.get("/accounts/login/").content.decode()
    assert "Войти через аккаунт магазина" not in page
    assert client.post(LOGIN_URL).status_code == 404
    assert client.post("/accounts/login/", {"login": "hamlet", "password": PASSWORD}).status_code == 302


def test_the_sign_in_page_offers_the_shop_account(client, shop, db):
    page = client.get("/accounts/login/").content.decode()
    assert "Войти через аккаунт магазина" in page
    assert f'action="{LOGIN_URL}?process=login"' in page


def test_a_shop_customer_signs_in_the_first_time_and_gets_a_linked_verified_account(client, shop, db):
    shop.customer = Customer("cust-42", "anna@shop.example", preferred_username="anna_shop", name="Анна")
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/cabinet/"
    user = signed_in_user(client)
    assert user is not None and user.email == "anna@shop.example"
    assert SocialAccount.objects.get(provider="shop", uid="cust-42").user == user
    assert EmailAddress.objects.get(user=user).verified is True
    assert Profile.objects.get(user=user).email_verified is True
    assert {"GET /.well-known/openid-configuration", "POST /token", "GET /jwks", "GET /userinfo"} <= set(shop.requests)
    assert client.get("/cabinet/").status_code == 200


def test_a_second_sign_in_reuses_the_account_even_after_the_shop_address_changes(client, shop, db):
    shop.customer = Customer("cust-7", "boris@shop.example")
    sign_in(client)
    first = signed_in_user(client)
    client.post("/accounts/logout/")
    assert signed_in_user(client) is None
    shop.customer = Customer("cust-7", "boris.new@shop.example")
    response = sign_in(client)
    assert response.status_code == 302
    assert signed_in_user(client) == first
    assert get_user_model().objects.count() == 1
    assert SocialAccount.objects.filter(provider="shop").count() == 1


def test_a_verified_address_signs_in_to_the_community_account_that_confirmed_it(client, shop, db):
    member = UserFactory(username="vera", email="vera@example.ru", verified=True)
    shop.customer = Customer("cust-9", "Vera@example.ru", email_verified=True)
    sign_in(client)
    assert signed_in_user(client) == member
    assert SocialAccount.objects.get(provider="shop", uid="cust-9").user == member
    assert member.__class__.objects.get(pk=member.pk).has_usable_password()


@pytest.mark.parametrize("shop_verified, community_verified", [(False, True), (True, False)])
def test_an_unverified_address_on_either_side_never_merges_accounts(client, shop, db, shop_verified, community_verified):
    member = UserFactory(username="gleb", email="gleb@example.ru", verified=community_verified)
    shop.customer = Customer("cust-10", "gleb@example.ru", email_verified=shop_verified)
    response = sign_in(client)
    # allauth asks the newcomer for another address (its form); nobody is signed in to gleb's account.
    assert signed_in_user(client) != member
    assert not SocialAccount.objects.filter(user=member).exists()
    member.refresh_from_db()
    assert member.has_usable_password()
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/signup/"
    assert client.get("/accounts/3rdparty/signup/").status_code == 200
    assert signed_in_user(client) is None


def test_a_bad_state_is_refused_with_a_clear_error_and_no_account(client, shop, db):
    callback = start_sign_in(client)
    path, query = callback.split("?", 1)
    params = {k: v[0] for k, v in parse_qs(query).items()}
    params["state"] = "forged-state"
    response = client.get(f"{path}?{urlencode(params)}")
    assert response.status_code == 401
    assert "Ошибка входа через внешний сервис" in response.content.decode()
    assert signed_in_user(client) is None
    assert not get_user_model().objects.exists()
    assert "POST /token" not in shop.requests


def test_a_tampered_id_token_is_refused_with_a_clear_error_and_no_account(client, shop, db):
    shop.tamper_id_token = True
    response = sign_in(client)
    assert response.status_code == 401
    assert "Ошибка входа через внешний сервис" in response.content.decode()
    assert signed_in_user(client) is None
    assert not get_user_model().objects.exists()
    assert not SocialAccount.objects.exists()


def test_purchases_sent_with_the_shop_customer_id_attach_to_the_linked_account(client, shop, product):
    shop.customer = Customer("cust-77", "dina@shop.example")
    sign_in(client)
    dina = signed_in_user(client)
    with translation.override("en"):
        report = feed_import(purchases=[
            (1, {"order_ref": "A-1", "customer_id": "cust-77", "sku": product.sku, "purchased_at": "2026-05-01"}),
            (2, {"order_ref": "A-2", "customer_id": "cust-unknown", "sku": product.sku, "purchased_at": "2026-05-01"}),
            (3, {"order_ref": "A-3", "sku": product.sku, "purchased_at": "2026-05-01"}),
        ])
    assert report.imported == 1
    assert Purchase.objects.get(order_ref="A-1").user == dina
    assert [(e.line, e.message) for e in report.errors] == [
        (2, "no community account is linked to the shop customer “cust-unknown” yet"),
        (3, "no buyer (user or customer_id)"),
    ]


def test_the_sign_in_page_and_the_error_page_are_valid_html(client, shop, db, tmp_path):
    pages = {"sign-in with the shop button": client.get("/accounts/login/").content.decode()}
    callback = start_sign_in(client)
    pages["sign-in error"] = client.get(callback.replace("state=", "state=x")).content.decode()
    for html in pages.values():
        assert_healthy_page(html)
    reason = vnu.missing_reason()
    if reason and not vnu.required():
        pytest.skip(reason)
    assert reason is None, reason
    assert vnu.check_pages(pages, tmp_path) == {}


def test_a_csv_feed_may_name_the_buyer_by_the_shop_customer_id_in_an_extra_column(product):
    lena = UserFactory(username="lena")
    SocialAccount.objects.create(user=lena, provider="shop", uid="cust-5")
    content = (
        "order_ref,user,customer_id,sku,purchased_at\n"
        f"B-1,,cust-5,{product.sku},2026-05-01\n"
        f"B-2,lena,,{product.sku},2026-05-02\n"
    )
    report = feed_import(**parse_feed(content, kind="csv"))
    assert report.errors == [] and report.imported == 2
    assert set(Purchase.objects.values_list("order_ref", "user__username")) == {("B-1", "lena"), ("B-2", "lena")}
