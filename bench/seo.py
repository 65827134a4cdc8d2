"""Sitemap sections and conditional GETs at size (figures only, never pass/fail on time).

``python -m bench.seo [--products 2000] [--questions 100000] [--runs 5]`` builds a throw-away
test database on the configured engine (SQLite by default, PostgreSQL with ``DATABASE_URL``):
``--products`` live product pages (created through Wagtail, so this part is slow), one review
per product, and ``--questions`` published questions (bulk) spread over the products, half of
them answered. It prints, for the index and each sitemap section's first page, the median
server time and the number of SQL queries, and the same for a 304 revisit of a question page
and a review list next to their full 200 render.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench.qa import _setup, _tree, _users


def _fill(category, products: int, questions: int, users: list) -> list:
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from community.catalog.models import ProductPage
    from community.moderation.models import Status
    from community.qa.models import Answer, Question
    from reviews.models import ProductReviewStats, Review

    pages = []
    for start in range(0, products, 500):
        with transaction.atomic():  # one commit per 500 pages, not per page
            for n in range(start, min(products, start + 500)):
                pages.append(category.add_child(instance=ProductPage(
                    title=f"Товар {n}", slug=f"tovar-{n}", brand="Acme", sku=f"SEO-{n:06d}", price=Decimal("1990"))))
        if start and start % 1000 == 0:
            print(f"  {start} products…", flush=True)
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seo", description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
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
        print(f"{'page':<34} {'median':>9} {'queries':>8} {'status':>7}")
        for label, url in [("sitemap index", "/sitemap.xml")] + [
                (f"sitemap {section}", f"/sitemap-{section}.xml")
                for section in ("categories", "products", "reviews", "questions", "profiles")]:
            median, queries, status = _time(client, url, args.runs)
            print(f"{label:<34} {median:9.1f} {queries:8d} {status:7d}", flush=True)
        from community.qa.models import Question

        question = Question.objects.filter(product=pages[0], answer_count=1).first()
        for label, url in (("question page", question.get_url()), ("review list", pages[0].url + "reviews/")):
            median, queries, status = _time(client, url, args.runs)
            etag = client.get(url)["ETag"]
            median_304, queries_304, status_304 = _time(client, url, args.runs, HTTP_IF_NONE_MATCH=etag)
            print(f"{label + ' (200)':<34} {median:9.2f} {queries:8d} {status:7d}")
            print(f"{label + ' (304 revisit)':<34} {median_304:9.2f} {queries_304:8d} {status_304:7d}"
                  f"   ratio 200/304: {median / median_304:.1f}×", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
