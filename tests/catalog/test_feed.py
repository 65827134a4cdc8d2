import json

import pytest
from django.core.management import CommandError, call_command

from community import events
from community.catalog.models import Purchase, StockStatus

TOKEN = "test-shop-token"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.SHOP_API_TOKEN = TOKEN


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_import_records_good_rows_and_lists_bad_ones_by_line(tmp_path, page_tree, shopper, capsys):
    product = page_tree["products"][0]
    path = write(tmp_path, "feed.csv", (
        "order_ref,user,sku,purchased_at\n"
        f"A-1,hamlet,{product.sku},2026-05-01T10:00:00\n"
        f"A-2,nobody,{product.sku},2026-05-01\n"
        "A-3,hamlet,NO-SUCH-SKU,2026-05-01\n"
        f"A-4,hamlet@example.ru,{product.sku},not-a-date\n"
        f"A-5,hamlet@example.ru,{page_tree['products'][1].sku},2026-05-02\n"
    ))
    with pytest.raises(CommandError, match="3 bad row"):
        call_command("import_purchases", str(path))
    err = capsys.readouterr().err
    assert f"{path}:3:" in err and "nobody" in err
    assert f"{path}:4:" in err and "NO-SUCH-SKU" in err
    assert f"{path}:5:" in err
    assert Purchase.objects.filter(user=shopper).count() == 2


def test_reimporting_the_same_file_is_a_no_op(tmp_path, page_tree, shopper, capsys):
    product = page_tree["products"][0]
    path = write(tmp_path, "feed.json", json.dumps([
        {"order_ref": "B-1", "user": "hamlet", "sku": product.sku, "purchased_at": "2026-04-01T12:00:00+03:00"}
    ]))
    call_command("import_purchases", str(path))
    call_command("import_purchases", str(path))
    out = capsys.readouterr().out
    assert "imported 1" in out and "already present 1" in out
    assert Purchase.objects.count() == 1


def test_an_unreadable_file_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="invalid JSON|некорректный JSON"):
        call_command("import_purchases", str(write(tmp_path, "x.json", "{oops")))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_purchases", str(tmp_path / "missing.csv"))


def post(client, payload, token=TOKEN):
    return client.post(
        "/api/shop/feed/", data=payload if isinstance(payload, str) else json.dumps(payload),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_endpoint_requires_the_shop_token(client, db):
    assert post(client, {"purchases": []}, token="wrong").status_code == 401
    assert client.post("/api/shop/feed/", data="{}", content_type="application/json").status_code == 401
    assert client.get("/api/shop/feed/").status_code == 405


def test_the_endpoint_rejects_malformed_json_with_a_message(client, db):
    response = post(client, "{not json")
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]
    assert post(client, {"orders": []}).status_code == 400


def test_the_endpoint_imports_purchases_and_stock_changes(client, page_tree, shopper):
    product = page_tree["products"][0]
    changes = []
    events.stock_changed.connect(lambda **kw: changes.append(kw), weak=False, dispatch_uid="t-stock")
    try:
        response = post(client, {
            "purchases": [
                {"order_ref": "C-1", "user": "hamlet", "sku": product.sku, "purchased_at": "2026-03-01"},
                {"order_ref": "C-2", "user": "hamlet", "sku": "NOPE", "purchased_at": "2026-03-01"},
            ],
            "stock": [
                {"sku": product.sku, "status": "out_of_stock", "quantity": 0},
                {"sku": product.sku, "quantity": -3},
            ],
        })
    finally:
        events.stock_changed.disconnect(dispatch_uid="t-stock")
    body = response.json()
    assert response.status_code == 200
    assert body["imported"] == 1 and body["stock_updated"] == 1
    assert [e["line"] for e in body["errors"]] == [2, 2]
    product.refresh_from_db()
    assert product.stock_status == StockStatus.OUT_OF_STOCK
    assert changes and changes[0]["previous_status"] == StockStatus.IN_STOCK
