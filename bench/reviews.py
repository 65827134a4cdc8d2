"""Server time of product pages with many reviews, next to a minimal Wagtail page.

``python -m bench.reviews [--sizes 10,1000,10000] [--requests 50]`` prints the median and p95
of the product page and of its reviews page 2 at each size, and their ratio to a minimal
Wagtail page (a plain ``Page``, title only) served by the same stack: Django's test client,
in-process (URL routing, every middleware, Wagtail page routing, templates), against a
throwaway test database created on the configured engine — a SQLite file by default,
PostgreSQL when ``DATABASE_URL`` points to it (its ``test_…`` database). The viewer is a
signed-in shopper who voted on every review (so their votes are looked up), and every third
review has a photo. Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from decimal import Decimal

WARM_UP = 5


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django
    from django.conf import settings

    django.setup()
    # As in production: no SQL log, no template debug information (set before any template
    # engine exists). Static files keep the development storage (no collectstatic needed).
    settings.DEBUG = False


def _tree():
    from wagtail.models import Locale, Page, Site

    from community.catalog.models import CategoryPage, HomePage, ProductPage

    Locale.objects.get_or_create(language_code="ru")
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).exclude(slug="bench-home").update(slug="wagtail-welcome")
    home = root.add_child(instance=HomePage(title="Бенчмарк", slug="bench-home"))
    site = Site.objects.filter(is_default_site=True).first()
    site.root_page = home
    site.save()
    minimal = home.add_child(instance=Page(title="Минимальная страница", slug="minimal"))
    top = home.add_child(instance=CategoryPage(title="Ноутбуки", slug="laptops"))
    category = top.add_child(instance=CategoryPage(title="Игровые ноутбуки", slug="gaming"))

    def product(n: int) -> ProductPage:
        return category.add_child(instance=ProductPage(
            title=f"Ноутбук {n}", slug=f"laptop-{n}", brand="ASUS", sku=f"BENCH-{n}", price=Decimal("99990"),
        ))

    return minimal, product


def _reviews(product, count: int, viewer, offset: int) -> None:
    from django.contrib.auth import get_user_model

    from community.accounts.models import Profile
    from community.moderation.models import Status
    from reviews.aggregates import review_aggregates_rebuild
    from reviews.models import Review, ReviewPhoto, ReviewVote

    user_model = get_user_model()
    names = [f"bench{offset + n}" for n in range(count)]
    unusable = "!"  # noqa: S105  (an unusable password hash: bench users never log in)
    user_model.objects.bulk_create([user_model(username=name, password=unusable) for name in names], batch_size=2000)
    users = list(user_model.objects.filter(username__in=names).order_by("pk"))
    Profile.objects.bulk_create([Profile(user=u, display_name=f"Покупатель {n}") for n, u in enumerate(users)],
                                batch_size=2000, ignore_conflicts=True)
    text = "Пользуюсь месяц. Экран яркий, батарея держит весь день, в играх не греется. " * 4
    Review.objects.bulk_create([
        Review(author=u, product=product, rating=1 + n % 5, title=f"Отзыв {n}", text=text,
               text_html=f"<p>{text}</p>", pros="Экран", pros_html="<p>Экран</p>", cons="Цена",
               cons_html="<p>Цена</p>", status=Status.PUBLISHED, verified_purchase=n % 2 == 0)
        for n, u in enumerate(users)
    ], batch_size=2000)
    reviews = list(Review.objects.filter(product=product).order_by("pk"))
    ReviewPhoto.objects.bulk_create([
        ReviewPhoto(review=r, image=f"reviews/bench/{r.pk}.webp", width=1600, height=1200,
                    thumbnail=f"reviews/bench/{r.pk}-t.webp", thumbnail_width=320, thumbnail_height=240,
                    status=Status.PUBLISHED)
        for r in reviews[::3]
    ], batch_size=2000)
    ReviewVote.objects.bulk_create([ReviewVote(voter=viewer, review=r, helpful=n % 4 != 0)
                                    for n, r in enumerate(reviews)], batch_size=2000)
    review_aggregates_rebuild()


def _timed_get(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, url
    return elapsed


def _measure(client, url: str, minimal_url: str, requests: int) -> tuple[list[float], list[float], int]:
    """Time ``url`` and the minimal page alternately, so that both see the same machine load."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        _timed_get(client, url)
        _timed_get(client, minimal_url)
    page, minimal = [], []
    for _ in range(requests):
        page.append(_timed_get(client, url))
        minimal.append(_timed_get(client, minimal_url))
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return page, minimal, len(queries.captured_queries)


def _p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reviews", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000", help="numbers of reviews (default 10,1000,10000)")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (default 50)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    _setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    engine = connection.vendor
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        minimal, make_product = _tree()
        viewer = get_user_model().objects.create_user("bench-viewer", "viewer@example.ru", "bench-password-2026")
        client = Client()
        client.force_login(viewer)
        with CaptureQueriesContext(connection) as captured:
            client.get(minimal.url)
        minimal_queries = len(captured.captured_queries)
        rows = []
        offset = 0
        for size in sizes:
            product = make_product(size)
            _reviews(product, size, viewer, offset)
            offset += size
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics, as a live database has them
            for label, url in (("product page", product.url), ("reviews page 2", product.url + "reviews/?page=2")):
                if label == "reviews page 2" and size <= 10:
                    continue  # one page only
                page, base, queries = _measure(client, url, minimal.url, args.requests)
                rows.append((label, size, page, base, queries))
        database = "PostgreSQL" if engine == "postgresql" else "SQLite file"
        print(f"bench.reviews: Django test client in-process, throwaway {database} test database "
              f"({connection.settings_dict['NAME']}), DEBUG={int(settings.DEBUG)}, signed-in viewer with "
              f"votes on every review, photos on every third; {args.requests} timed requests per page after "
              f"{WARM_UP} warm-ups")
        print(f"{'page':<18}{'reviews':>8}{'median ms':>11}{'p95 ms':>9}{'minimal median':>16}{'minimal p95':>13}"
              f"{'× minimal':>11}{'queries':>9}")
        for label, size, page, base, queries in rows:
            ratio = statistics.median(page) / statistics.median(base)
            print(f"{label:<18}{size:>8}{statistics.median(page):>11.2f}{_p95(page):>9.2f}"
                  f"{statistics.median(base):>16.2f}{_p95(base):>13.2f}{ratio:>11.2f}{queries:>9}")
        print("(the minimal page is a Wagtail Page with a title only, timed alternately with each row; "
              f"{minimal_queries} queries)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
