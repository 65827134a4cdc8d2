"""Products' top-level category follows the page tree: on creation, on every move, and
``check_catalog`` checks and repairs it."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from community.catalog.models import ProductPage
from tests import factories


def _top(product) -> int | None:
    return ProductPage.objects.get(pk=product.pk).top_category_id


def test_a_new_product_gets_its_top_level_category(page_tree):
    deeper = factories.category(page_tree["gaming"], "Ноутбуки с RTX 4090")
    product = factories.product(deeper, "Lenovo Legion 9")
    assert _top(product) == page_tree["laptops"].pk
    assert product.top_category_id == page_tree["laptops"].pk


def test_moving_a_subcategory_moves_its_products_to_the_new_top_level_category(page_tree):
    page_tree["gaming"].move(page_tree["phones"], pos="last-child")
    assert [_top(p) for p in page_tree["products"]] == [page_tree["phones"].pk] * 3


def test_moving_a_product_to_another_category(page_tree):
    product = page_tree["products"][0]
    ProductPage.objects.get(pk=product.pk).move(page_tree["phones"], pos="last-child")
    assert _top(product) == page_tree["phones"].pk
    assert _top(page_tree["products"][1]) == page_tree["laptops"].pk


def test_check_catalog_reports_a_difference_exits_1_then_repairs_it(page_tree, capsys):
    product = page_tree["products"][0]
    ProductPage.objects.filter(pk=product.pk).update(top_category=page_tree["phones"])
    with pytest.raises(CommandError):
        call_command("check_catalog", "--check", "--no-progress")
    out = capsys.readouterr().out
    assert f"product {product.pk}: top-level category {page_tree['phones'].pk} → {page_tree['laptops'].pk}" in out
    assert "3 checked, 1 differ" in out
    assert _top(product) == page_tree["phones"].pk  # --check writes nothing
    call_command("check_catalog", "--no-progress")
    assert "1 repaired" in capsys.readouterr().out
    assert _top(product) == page_tree["laptops"].pk
    call_command("check_catalog", "--check", "--no-progress")
    assert "0 differ" in capsys.readouterr().out
