"""Shop feed import throughput: rows per second for 10k and 100k rows on the configured database.

``python -m bench.feed [--sizes 10000,100000]`` creates a throwaway test database (a SQLite file
by default, PostgreSQL's ``test_…`` database when ``DATABASE_URL`` points to it), 200 products
and 2,000 buyers, then imports each size through ``community.catalog.feed.feed_import`` — the
same code the worker runs for a large batch — as purchases (a tenth of the buyers named by
email) plus one stock row per 20 purchases, and again to show that a re-import is a no-op.
Budget: ≥ 2,000 rows/s. Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import time
from decimal import Decimal

PRODUCTS = 200
BUYERS = 2000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False


def _world() -> list[str]:
    from django.contrib.auth import get_user_model
    from wagtail.models import Page

    from community.catalog.models import CategoryPage, HomePage, ProductPage

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Бенчмарк", slug="bench-feed-home"))
    category = home.add_child(instance=CategoryPage(title="Ноутбуки", slug="laptops"))
    skus = []
    for n in range(PRODUCTS):
        category.add_child(instance=ProductPage(title=f"Ноутбук {n}", slug=f"laptop-{n}", brand="ASUS",
                                                sku=f"FEED-{n}", price=Decimal("99990")))
        skus.append(f"FEED-{n}")
    user_model = get_user_model()
    user_model.objects.bulk_create([
        user_model(username=f"buyer{n}", email=f"buyer{n}@example.ru") for n in range(BUYERS)
    ])
    return skus


def _rows(size: int, skus: list[str], offset: int):
    purchases = []
    for n in range(size):
        buyer = n % BUYERS
        user = f"Buyer{buyer}@example.ru" if buyer % 10 == 0 else f"buyer{buyer}"
        purchases.append((n + 1, {"order_ref": f"O-{offset + n // 3}", "user": user, "sku": skus[n % len(skus)],
                                  "purchased_at": "2026-03-01T12:00:00+03:00"}))
    stock = [(n + 1, {"sku": skus[n % len(skus)], "quantity": n % 7}) for n in range(size // 20)]
    return purchases, stock


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feed", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="rows per import (default 10000,100000)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    _setup_django()
    from django.db import connection

    from community.catalog.feed import CHUNK_SIZE, feed_import

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite file"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        skus = _world()
        print(f"bench.feed: {engine} throwaway test database, {PRODUCTS} products, {BUYERS} buyers, "
              f"chunks of {CHUNK_SIZE}; rows = purchases + stock rows (1 per 20)")
        print(f"{'rows':>8}{'run':>10}{'seconds':>9}{'rows/s':>9}{'÷ 2,000':>9}{'imported':>10}{'present':>9}{'errors':>8}")
        offset = 0
        for size in sizes:
            purchases, stock = _rows(size, skus, offset)
            offset += size
            for run in ("first", "again"):
                start = time.perf_counter()
                report = feed_import(purchases=purchases, stock=stock)
                elapsed = time.perf_counter() - start
                rate = (len(purchases) + len(stock)) / elapsed
                print(f"{len(purchases) + len(stock):>8}{run:>10}{elapsed:>9.2f}{rate:>9.0f}{rate / 2000:>9.2f}"
                      f"{report.imported:>10}{report.already_present:>9}{len(report.errors):>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
