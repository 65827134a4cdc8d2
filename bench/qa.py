"""Server time of Q&A pages at 10, 500 and 5,000 questions on one product (figures only).

``python -m bench.qa [--sizes 10,500,5000] [--runs 50]`` builds a throw-away test database on
the configured engine (SQLite by default, PostgreSQL with ``DATABASE_URL``), fills one product
per size with that many questions (every other one answered, one question with 20 answers),
then requests each page through Django's test client and prints the median and p95 of the
in-process time (no network): the question page, the product's question list (three sorts) and
the product page with its Q&A section. It never fails on time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def _tree():
    from django.utils.text import slugify
    from wagtail.models import Locale, Page, Site

    from community.catalog.models import CategoryPage, HomePage

    Locale.objects.get_or_create(language_code="ru")
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2, slug="home").update(slug="wagtail-welcome")
    home = root.add_child(instance=HomePage(title="Сообщество", slug="home"))
    site = Site.objects.filter(is_default_site=True).first()
    old = site.root_page
    site.root_page = home
    site.save()
    old.delete()
    top = home.add_child(instance=CategoryPage(title="Ноутбуки", slug=slugify("noutbuki")))
    return top.add_child(instance=CategoryPage(title="Игровые ноутбуки", slug="igrovye"))


def _fill(category, size: int, users: list):
    from decimal import Decimal

    from django.utils import timezone

    from community.catalog.models import ProductPage
    from community.moderation.models import Status
    from community.qa import terms
    from community.qa.models import Answer, Question

    product = category.add_child(instance=ProductPage(
        title=f"Ноутбук на {size} вопросов", slug=f"product-{size}", brand="Acme", sku=f"BENCH-{size}",
        price=Decimal("99990"),
    ))
    now = timezone.now()
    questions = Question.objects.bulk_create([
        Question(product=product, author=users[n % len(users)], title=f"Вопрос {n}: сколько держит батарея под нагрузкой?",
                 slug=f"vopros-{n}", title_terms=terms.stored_terms(f"Вопрос {n}: сколько держит батарея"),
                 status=Status.PUBLISHED, created=now - timezone.timedelta(minutes=n), published_at=now,
                 vote_score=n % 9, answer_count=1 if n % 2 == 0 else 0)
        for n in range(size)
    ], batch_size=1000)
    if questions[0].pk is None:
        questions = list(Question.objects.filter(product=product).order_by("-created"))
    Answer.objects.bulk_create([
        Answer(question=q, author=users[(n + 1) % len(users)], text="Часов шесть в браузере.",
               text_html="<p>Часов шесть в браузере.</p>", text_excerpt="Часов шесть в браузере.", status=Status.PUBLISHED, published_at=now,
               up_count=n % 5, score=n % 5)
        for n, q in enumerate(questions) if n % 2 == 0
    ], batch_size=1000)
    target = questions[1]  # an unanswered one: give it 20 answers
    Answer.objects.bulk_create([
        Answer(question=target, author=u, text=f"Ответ {n}", text_html=f"<p>Ответ {n}</p>", text_excerpt=f"Ответ {n}", status=Status.PUBLISHED,
               published_at=now, up_count=n % 4, score=n % 4)
        for n, u in enumerate(users[2:22])
    ])
    Question.objects.filter(pk=target.pk).update(answer_count=20)
    target.refresh_from_db()
    return product, target


def _users(count: int) -> list:
    from django.contrib.auth import get_user_model

    from community.accounts.models import Profile

    model = get_user_model()
    model.objects.bulk_create([model(username=f"bench{n}", email=f"bench{n}@example.ru") for n in range(count)])
    users = list(model.objects.filter(username__startswith="bench").order_by("pk"))
    Profile.objects.bulk_create([Profile(user=u, display_name=f"Покупатель {n}") for n, u in enumerate(users)])
    return users


def _measure(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection, reset_queries

    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    reset_queries()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    return statistics.median(timings), p95, len(ctx.captured_queries)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.qa", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,500,5000", help="questions on the product, comma-separated")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    _setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        category = _tree()
        users = _users(60)
        client = Client()
        print(f"database: {connection.vendor}; {args.runs} timed requests per page; times in ms (in-process, "
              f"no network)")
        print(f"{'questions':>9}  {'page':<28} {'median':>8} {'p95':>8} {'queries':>8}")
        for size in sizes:
            started = time.perf_counter()
            product, target = _fill(category, size, users)
            fill_seconds = time.perf_counter() - started
            base = product.url
            pages = [
                ("question page (20 answers)", target.get_url()),
                ("question list, newest", base + "questions/"),
                ("question list, most voted", base + "questions/?sort=votes"),
                ("question list, unanswered", base + "questions/?sort=unanswered"),
                ("product page (Q&A section)", base),
            ]
            for label, url in pages:
                median, p95, queries = _measure(client, url, args.runs)
                print(f"{size:>9}  {label:<28} {median:8.2f} {p95:8.2f} {queries:8d}", flush=True)
            print(f"{'':>9}  (filled in {fill_seconds:.1f} s)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
