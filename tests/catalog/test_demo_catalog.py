"""The demo catalog looks like a real shop's: every product has its own plausible name and
price, and seeding again adds nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from community.catalog import demo
from community.catalog.models import ProductPage
from community.demo import DemoContext
from tests import factories


def seed(products: int) -> None:
    demo.seed(DemoContext(products=products, progress=False, out=io.StringIO()))


@pytest.mark.slow
def test_every_demo_product_has_a_distinct_plausible_name_and_price(db):
    factories.build_home()
    seed(150)
    rows = list(ProductPage.objects.values_list("title", "price", "brand"))
    titles, prices = [t for t, _p, _b in rows], [p for _t, p, _b in rows]
    assert len(rows) == 150
    assert len(set(titles)) == 150, sorted(t for t in titles if titles.count(t) > 1)
    assert len(set(prices)) == 150
    assert all(title.startswith(brand) for title, _price, brand in rows)
    assert all(Decimal(990) <= price <= Decimal(300_000) and price % 100 == 90 for price in prices)

    seed(150)  # idempotent: the same catalog, nothing added
    assert list(ProductPage.objects.values_list("title", "price", "brand")) == rows
