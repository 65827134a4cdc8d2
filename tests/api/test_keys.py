"""The shop's API keys: made in the Wagtail admin by a superuser (shown once, stored hashed),
scoped (read / feed / webhooks), revocable; the feed takes them (the old token still works,
marked deprecated); limits count per key."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from community.catalog import keys
from community.catalog.models import ShopApiKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LEGACY = "legacy-token-for-tests"


@pytest.fixture
def admin_user(db):
    return UserFactory(username="claudius", is_staff=True, is_superuser=True, verified=True)


@pytest.fixture(autouse=True)
def _legacy_token(settings):
    settings.SHOP_API_TOKEN = LEGACY


def feed(client, credential: str, *, header: str = "Authorization"):
    value = f"Bearer {credential}" if header == "Authorization" else credential
    return client.post("/api/shop/feed/", data=json.dumps({"purchases": []}), content_type="application/json",
                       headers={header: value})


def test_a_superuser_creates_a_key_in_the_admin_sees_it_once_and_only_its_hash_is_stored(client, admin_user,
                                                                                           product):
    client.force_login(admin_user)
    response = client.post("/admin/shop_api_keys/new/", {"name": "Витрина", "scope_read": "on"})
    assert response.status_code == 200
    raw = re.search(r'value="(shop_[0-9a-f]{8}_[^"]+)"', response.content.decode()).group(1)
    key = ShopApiKey.objects.get()
    assert key.name == "Витрина" and key.scopes == ["read"] and key.created_by == admin_user
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {getattr(key, field.attname) for field in ShopApiKey._meta.concrete_fields}
    # The list never shows it again.
    listing = client.get("/admin/shop_api_keys/").content.decode()
    assert "Витрина" in listing and raw not in listing
    # It reads the API; it has no feed scope.
    assert client.get(f"/api/v1/ratings?sku={product.sku}", headers={"X-Api-Key": raw}).status_code == 200
    assert feed(client, raw).status_code == 401
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_revoked_key_is_refused_everywhere(client, admin_user, product):
    key, raw = keys.api_key_create(actor=admin_user, name="Склад", scopes=["read", "feed"])
    assert feed(client, raw).status_code == 200
    client.force_login(admin_user)
    assert client.get(f"/admin/shop_api_keys/revoke/{key.pk}/").status_code == 200
    assert client.post(f"/admin/shop_api_keys/revoke/{key.pk}/").status_code == 302
    client.logout()
    assert feed(client, raw).status_code == 401
    response = client.get(f"/api/v1/ratings?sku={product.sku}", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    assert json.loads(response.content)["error"]["code"] == "unauthorized"


def test_a_wrong_key_is_a_401_not_an_anonymous_read(client, admin_user, product):
    _key, raw = keys.api_key_create(actor=admin_user, name="Витрина", scopes=["read"])
    for forged in (raw[:-1] + ("A" if raw[-1] != "A" else "B"), "shop_zzzzzzzz_nope", "shop_\x00"):
        assert client.get(f"/api/v1/ratings?sku={product.sku}", headers={"X-Api-Key": forged}).status_code == 401


def test_only_superusers_manage_keys(client, staff, moderator, admin_user):
    key, _raw = keys.api_key_create(actor=admin_user, name="Витрина", scopes=["read"])
    for user in (staff, moderator):
        client.force_login(user)
        assert client.get("/admin/shop_api_keys/").status_code in (302, 403)
        assert client.post(f"/admin/shop_api_keys/revoke/{key.pk}/").status_code in (302, 403)
    key.refresh_from_db()
    assert key.is_active
    with pytest.raises(keys.PermissionDenied):
        keys.api_key_create(actor=staff, name="x", scopes=["read"])


def test_the_feed_takes_a_feed_key_and_still_the_old_token_marked_deprecated(client, admin_user, page_tree):
    _key, raw = keys.api_key_create(actor=admin_user, name="Склад", scopes=["feed"])
    with_key = feed(client, raw, header="X-Api-Key")
    assert with_key.status_code == 200 and "Deprecation" not in with_key
    legacy = feed(client, LEGACY)
    assert legacy.status_code == 200
    assert legacy["Deprecation"] == "true"
    assert feed(client, "not-the-token").status_code == 401


def test_limits_count_per_key(client, admin_user, product, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_read": (2, 60), "shop_feed": (1, 60)}
    _first, first = keys.api_key_create(actor=admin_user, name="Первый", scopes=["read", "feed"])
    _second, second = keys.api_key_create(actor=admin_user, name="Второй", scopes=["read"])
    url = f"/api/v1/ratings?sku={product.sku}"
    assert [client.get(url, headers={"X-Api-Key": first}).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get(url, headers={"X-Api-Key": first})
    assert int(refused["Retry-After"]) >= 1
    assert json.loads(refused.content)["error"]["code"] == "rate_limited"
    assert client.get(url, headers={"X-Api-Key": second}).status_code == 200
    assert [feed(client, first).status_code for _ in range(2)] == [200, 429]
