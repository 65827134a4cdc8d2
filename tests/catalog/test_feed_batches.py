"""The shop feed in bulk: large batches through the real task worker, idempotency, limits, fuzzing."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from community.catalog.models import FeedBatch, FeedBatchStatus, Purchase, StockStatus
from tests.conftest import run_task_worker

TOKEN = "test-shop-token"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.SHOP_API_TOKEN = TOKEN
    settings.SHOP_FEED_SYNC_MAX_ROWS = 5


def post(client, payload, token=TOKEN, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post("/api/shop/feed/", data=body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def purchase_rows(product, count, user="hamlet"):
    return [{"order_ref": f"L-{n}", "user": user, "sku": product.sku, "purchased_at": "2026-03-01"} for n in range(count)]


def test_a_large_batch_answers_202_and_a_real_worker_imports_it(transactional_db, page_tree, shopper, client):
    product = page_tree["products"][0]
    rows = purchase_rows(product, 20) + [{"order_ref": "BAD", "user": "nobody", "sku": product.sku,
                                         "purchased_at": "2026-03-01"}]
    response = post(client, {"purchases": rows, "stock": [{"sku": product.sku, "quantity": 0}]})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending" and body["rows"] == 22 and body["imported"] is None
    assert not Purchase.objects.exists()  # nothing imported in the request

    status_url = body["status_url"]
    assert status_url.endswith(f"/api/shop/feed/batches/{body['batch']}/")
    assert client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 202

    run_task_worker()

    done = client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert done.status_code == 200
    result = done.json()
    assert result["status"] == "done" and result["imported"] == 20 and result["stock_updated"] == 1
    assert result["errors"] == [{"line": 21, "error": "покупатель «nobody» не найден"}]
    assert Purchase.objects.count() == 20
    product.refresh_from_db()
    assert product.stock_status == StockStatus.OUT_OF_STOCK


def test_resending_a_large_batch_is_the_same_batch_and_imports_nothing_twice(transactional_db, page_tree, shopper, client):
    product = page_tree["products"][0]
    payload = {"batch_id": "shop-2026-03-01.1", "purchases": purchase_rows(product, 10)}
    first = post(client, payload).json()
    again = post(client, payload).json()
    assert again["batch"] == first["batch"] and FeedBatch.objects.count() == 1
    run_task_worker()
    after = post(client, payload)
    assert after.status_code == 200 and after.json()["imported"] == 10
    assert Purchase.objects.count() == 10
    # The same batch_id with another body is a conflict, not a silent overwrite.
    assert post(client, {**payload, "purchases": purchase_rows(product, 11)}).status_code == 409


def test_the_status_url_needs_the_token_and_an_existing_batch(client, db):
    assert client.get("/api/shop/feed/batches/1/").status_code == 401
    assert client.get("/api/shop/feed/batches/999/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_a_small_batch_is_answered_at_once_in_the_same_shape(client, page_tree, shopper):
    product = page_tree["products"][0]
    response = post(client, {"purchases": purchase_rows(product, 2)})
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "done" and body["imported"] == 2 and body["errors"] == []
    assert body["status_url"].endswith(f"/api/shop/feed/batches/{body['batch']}/")
    # A retried POST of the same body is the same batch, with the same result.
    assert post(client, {"purchases": purchase_rows(product, 2)}).json() == body


@pytest.mark.parametrize(("payload", "line_error"), [
    ({"purchases": [{"order_ref": "A\x00B", "user": "hamlet", "sku": "SKU", "purchased_at": "2026-03-01"}]},
     "управляющие символы"),
    ({"stock": [{"sku": "SKU", "quantity": 10**20}]}, "не может быть больше"),
    ({"stock": [{"sku": "SKU", "quantity": "1e9"}]}, "целым числом"),
    ({"purchases": [{"order_ref": ["x"], "user": "hamlet", "sku": "SKU", "purchased_at": "2026-03-01"}]}, "текстом"),
    ({"purchases": [{"order_ref": "A", "user": "hamlet", "sku": "SKU", "purchased_at": "2026-02-30"}]}, "ISO 8601"),
])
def test_bad_values_are_per_line_errors_not_500(client, page_tree, shopper, payload, line_error):
    product = page_tree["products"][0]
    text = json.dumps(payload).replace('"SKU"', json.dumps(product.sku))
    response = post(client, text)
    assert response.status_code == 200
    assert response.json()["errors"][0]["line"] == 1 and line_error in response.json()["errors"][0]["error"]
    assert not Purchase.objects.exists()
    product.refresh_from_db()
    assert product.stock_quantity == 0


def test_a_non_ascii_bearer_token_is_401_not_500(client, db):
    response = client.post("/api/shop/feed/", data="{}", content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer d\xc3\xa9v")
    assert response.status_code == 401


def test_deep_nesting_is_a_400_not_a_recursion_error(client, db):
    response = post(client, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_a_body_over_the_limit_is_413_before_it_is_read(client, db, settings):
    settings.SHOP_FEED_MAX_BYTES = 1000
    response = post(client, {"purchases": [{"order_ref": "x" * 2000}]})
    assert response.status_code == 413 and "1" not in response.json()["error"][:0]


json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=80),
    st.sampled_from(["\x00", "\ud800", "‮", "2026-02-30", "9999-12-31T23:59:59+14:00", "hamlet", "in_stock", "١٢"]),
)
json_values = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
row = st.fixed_dictionaries({}, optional={
    "order_ref": json_values, "user": json_values, "sku": json_values, "purchased_at": json_values,
    "quantity": json_values, "status": json_values,
})
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"purchases": st.lists(row | json_values, max_size=6),
                                        "stock": st.lists(row | json_values, max_size=6),
                                        "batch_id": json_values}),
)


@pytest.mark.slow
@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies)
def test_fuzzed_feed_bodies_never_give_a_500_nor_a_half_written_row(page_tree, shopper, body):
    client = Client(raise_request_exception=False)
    before = (Purchase.objects.count(), FeedBatch.objects.exclude(status=FeedBatchStatus.DONE).count())
    text = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    response = client.post("/api/shop/feed/", data=text, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code in (200, 202, 400, 409), response.content[:300]
    if response.status_code == 400:
        assert (Purchase.objects.count(), FeedBatch.objects.exclude(status=FeedBatchStatus.DONE).count()) == before


@hsettings(max_examples=150, deadline=None)
@given(content=st.text(max_size=300), kind=st.sampled_from(["csv", "json", "xml"]))
def test_the_import_commands_parser_reads_a_feed_or_says_why(content, kind):
    from community.catalog import feed

    try:
        rows = feed.parse_feed(content, kind=kind)
    except feed.FeedError as error:
        assert str(error)
    else:
        assert set(rows) == {"purchases", "stock"}
