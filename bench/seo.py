"""Sitemap sections and conditional GETs at size (figures only, never pass/fail on time).

``python -m bench.seo [--products 10000] [--questions 100000] [--runs 5]`` builds a throw-away
test database on the configured engine (SQLite by default, PostgreSQL with ``DATABASE_URL``):
``--products`` live product pages (the first through Wagtail, the rest as bulk rows with
computed tree paths: see ``_bulk_products``), one review per product, and ``--questions``
published questions (bulk) spread over the products, half of them answered. It prints, for the
index and the first and last page of each sitemap section (50,000 URLs a page), the median
server time, the number of SQL queries, the URLs listed and the peak of Python memory while
serving it, and the same times for a 304 revisit of a question page and a review list next
to their full 200 render, with the load average before and after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench.qa import _setup, _tree, _users


def _fill(category, products: int, questions: int, users: list) -> list:
    from django.utils import timezone

    from community.moderation.models import Status
    from community.qa.models import Answer, Question
    from reviews.models import ProductReviewStats, Review

    pages = _bulk_products(category, products)
    now = timezone.now()
    Review.objects.bulk_create([
        Review(product=page, author=users[n % len(users)], rating=4 + n % 2, title="Хороший товар",
               text="Пользуюсь месяц.", text_html="<p>Пользуюсь месяц.</p>", status=Status.PUBLISHED)
        for n, page in enumerate(pages)], batch_size=1000)
    ProductReviewStats.objects.bulk_create([
        ProductReviewStats(product=page, review_count=1, rating_sum=4 + n % 2) for n, page in enumerate(pages)],
        batch_size=1000)
    Question.objects.bulk_create([
        Question(product=pages[n % len(pages)], author=users[n % len(users)], title=f"Вопрос {n}?",
                 slug=f"vopros-{n}", status=Status.PUBLISHED, created=now, published_at=now,
                 answer_count=1 if n % 2 == 0 else 0)
        for n in range(questions)], batch_size=2000)
    answered = Question.objects.filter(answer_count=1).values_list("pk", flat=True)
    Answer.objects.bulk_create([
        Answer(question_id=pk, author=users[(n + 1) % len(users)], text="Да.", text_html="<p>Да.</p>",
               text_excerpt="Да.", status=Status.PUBLISHED, published_at=now)
        for n, pk in enumerate(answered.iterator())], batch_size=2000)
    return pages


def _bulk_products(category, products: int) -> list:
    """``products`` live product pages under ``category``, fast: the first through Wagtail
    (``add_child``: a real page with its revision, the model for the rest), the others as rows
    — ``Page`` rows by ``bulk_create`` with the treebeard paths, depths and url paths computed
    here (the next siblings' steps), then the ``ProductPage`` rows on top of them. The pages
    are the same rows Wagtail would have written but for the revisions, which nothing here
    reads. Measured: ~1 s a page through ``add_child`` under load, thousands a second this way."""
    import uuid
    from decimal import Decimal

    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Page

    from community.catalog.models import ProductPage

    first = category.add_child(instance=ProductPage(
        title="Товар 0", slug="tovar-0", brand="Acme", sku="SEO-000000", price=Decimal("1990")))
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(ProductPage)
    step = ProductPage._str2int(first.path[-ProductPage.steplen:])
    child_fields = list(ProductPage._meta.local_concrete_fields)
    pages = [first]
    for start in range(1, products, 2000):
        numbers = range(start, min(products, start + 2000))
        with transaction.atomic():
            rows = Page.objects.bulk_create([
                Page(path=ProductPage._get_path(category.path, first.depth, step + n), depth=first.depth, numchild=0,
                     title=f"Товар {n}", draft_title=f"Товар {n}", slug=f"tovar-{n}",
                     url_path=f"{category.url_path}tovar-{n}/", content_type=content_type, live=True,
                     has_unpublished_changes=False, first_published_at=now, last_published_at=now,
                     live_revision=None, locale_id=first.locale_id, translation_key=uuid.uuid4())
                for n in numbers])
            children = []
            for n, row in zip(numbers, rows, strict=True):
                child = ProductPage(page_ptr_id=row.pk, brand="Acme", sku=f"SEO-{n:06d}", price=Decimal("1990"),
                                    top_category_id=first.top_category_id)
                child.__dict__.update({k: v for k, v in row.__dict__.items() if not k.startswith("_")})
                children.append(child)
            for offset in range(0, len(children), 500):  # SQLite's limit on bound parameters
                ProductPage._base_manager._insert(children[offset:offset + 500], fields=child_fields, using="default")
            pages += children
        if start // 2000 % 5 == 4:
            print(f"  {len(pages)} products…", flush=True)
    Page.objects.filter(pk=category.pk).update(numchild=products)
    return pages


def _time(client, url: str, runs: int, **headers) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, **headers)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return statistics.median(timings), len(queries), response.status_code


def _section_pages(client) -> list[tuple[str, str]]:
    """(label, path) of the first and the last page of each section the index lists."""
    import re
    from urllib.parse import urlsplit

    by_section: dict[str, list[str]] = {}
    for loc in re.findall(r"<loc>([^<]+)</loc>", client.get("/sitemap.xml").content.decode()):
        split = urlsplit(loc)
        path = split.path + (f"?{split.query}" if split.query else "")
        by_section.setdefault(split.path.removeprefix("/sitemap-").removesuffix(".xml"), []).append(path)
    found = []
    for section, paths in by_section.items():
        picked = [paths[0]] if len(paths) == 1 else [paths[0], paths[-1]]
        for path in picked:
            page = path.rpartition("p=")[2] if "p=" in path else "1"
            found.append((f"sitemap {section} p{page}/{len(paths)}", path))
    return found


def _size_and_memory(client, url: str) -> tuple[int, float]:
    """The number of <url> entries and the peak of Python allocations (MB) while serving ``url``
    (tracemalloc, on a run of its own: it slows what it traces)."""
    import tracemalloc

    tracemalloc.start()
    try:
        response = client.get(url)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response.content.count(b"<loc>"), peak / 1e6


def _load() -> str:
    import os

    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _max_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seo", description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    _setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        category = _tree()
        users = _users(60)
        from community.accounts.models import Profile

        Profile.objects.update(level="member")
        started = time.perf_counter()
        pages = _fill(category, args.products, args.questions, users)
        print(f"database: {connection.vendor}; {args.products} products, {args.questions} questions "
              f"(filled in {time.perf_counter() - started:.1f} s); median of {args.runs}, in-process, ms")
        client = Client()
        print(f"load average before: {_load()}")
        print(f"{'page':<34} {'median':>9} {'queries':>8} {'status':>7} {'URLs':>7} {'peak MB':>8}")
        for label, url in [("sitemap index", "/sitemap.xml")] + _section_pages(client):
            median, queries, status = _time(client, url, args.runs)
            urls, peak = _size_and_memory(client, url)
            print(f"{label:<34} {median:9.1f} {queries:8d} {status:7d} {urls:7d} {peak:8.1f}", flush=True)
        from community.qa.models import Question

        question = Question.objects.filter(product=pages[0], answer_count=1).first()
        for label, url in (("question page", question.get_url()), ("review list", pages[0].url + "reviews/")):
            median, queries, status = _time(client, url, args.runs)
            etag = client.get(url)["ETag"]
            median_304, queries_304, status_304 = _time(client, url, args.runs, HTTP_IF_NONE_MATCH=etag)
            print(f"{label + ' (200)':<34} {median:9.2f} {queries:8d} {status:7d}")
            print(f"{label + ' (304 revisit)':<34} {median_304:9.2f} {queries_304:8d} {status_304:7d}"
                  f"   ratio 200/304: {median / median_304:.1f}×", flush=True)
        last = pages[-1].url  # a bulk-made page serves like the others
        median, queries, status = _time(client, last, args.runs)
        print(f"{'product page (last, bulk-made)':<34} {median:9.2f} {queries:8d} {status:7d}")
        print(f"load average after: {_load()}; process peak RSS {_max_rss_mb():.0f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
