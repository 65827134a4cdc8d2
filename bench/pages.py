"""The product and question pages against their budgets, in one run (figures only).

``python -m bench.pages [--reviews 1000] [--questions 200] [--answers 200] [--requests 50]``
builds a throwaway test database on the configured engine (SQLite by default, PostgreSQL with
``DATABASE_URL``): a product with ``--reviews`` reviews (every third with a photo), ``--questions``
questions (every other one answered), 100 discussion messages, and a question with ``--answers``
answers, all indexed for search (with the words buyers mention). It prints, for each page
anonymous and signed in, the SQL queries, the median and p95 of the in-process time (Django's
test client: every middleware, Wagtail routing, templates; ``DEBUG`` off) and the ratio to a
minimal Wagtail page (a plain ``Page``, title only) timed alternately with it; the product and
question pages also with the cache cleared before every request (cold), and the anonymous
product page without its whole-page cache (its parts cached).
Budgets (DESIGN.md §4): ≤ 10 queries each; the product page's median ≤ 3× the minimal page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from bench.reviews import WARM_UP, _p95, _reviews, _setup_django, _tree


def _qa(product, questions: int, answers: int) -> object:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from community.accounts.models import Profile
    from community.moderation.models import Status
    from community.qa.models import Answer, Question

    user_model = get_user_model()
    names = [f"qa-bench{n}" for n in range(max(answers, 60))]
    user_model.objects.bulk_create([user_model(username=name, password="!") for name in names])  # noqa: S106
    users = list(user_model.objects.filter(username__in=names).order_by("pk"))
    Profile.objects.bulk_create([Profile(user=u, display_name=f"Знаток {n}") for n, u in enumerate(users)])
    now = timezone.now()
    Question.objects.bulk_create([
        Question(product=product, author=users[n % len(users)], title=f"Вопрос {n}: сколько держит батарея?",
                 slug=f"vopros-{n}", status=Status.PUBLISHED, created=now - timezone.timedelta(minutes=n),
                 published_at=now, vote_score=n % 9, answer_count=1 if n % 2 == 0 else 0)
        for n in range(questions)])
    rows = list(Question.objects.filter(product=product).order_by("pk"))
    Answer.objects.bulk_create([
        Answer(question=q, author=users[n % len(users)], text="Часов шесть.", text_html="<p>Часов шесть.</p>",
               text_excerpt="Часов шесть.", status=Status.PUBLISHED, published_at=now, up_count=n % 5, score=n % 5)
        for n, q in enumerate(rows) if n % 2 == 0])
    target = rows[1]
    Answer.objects.bulk_create([
        Answer(question=target, author=u, text=f"Ответ {n}", text_html=f"<p>Ответ {n}</p>", text_excerpt=f"Ответ {n}",
               status=Status.PUBLISHED, published_at=now, up_count=n % 7, score=n % 7)
        for n, u in enumerate(users[:answers])])
    Question.objects.filter(pk=target.pk).update(answer_count=answers)
    return target


def _chat(product, count: int) -> None:
    from django.contrib.auth import get_user_model

    from chat.models import Message, Room, RoomKind
    from community.moderation.models import Status

    room = Room.objects.create(kind=RoomKind.PRODUCT, product=product)
    authors = list(get_user_model().objects.filter(username__startswith="qa-bench")[:10])
    Message.objects.bulk_create([
        Message(room=room, author=authors[n % len(authors)], body=f"Сообщение {n}", body_html=f"Сообщение {n}",
                status=Status.PUBLISHED) for n in range(count)])
    last = Message.objects.filter(room=room).order_by("-pk").first()
    Room.objects.filter(pk=room.pk).update(last_message_id=last.pk, last_message_at=last.created)


def _get(client, url: str, cold: bool) -> float:
    from django.core.cache import cache

    if cold:
        cache.clear()
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _measure(client, url: str, minimal_url: str, requests: int, cold: bool) -> tuple[list, list, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        _get(client, url, cold)
        _get(client, minimal_url, False)
    page, minimal = [], []
    for _ in range(requests):
        page.append(_get(client, url, cold))
        minimal.append(_get(client, minimal_url, False))
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return page, minimal, len(queries.captured_queries)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])

    _setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        minimal, make_product = _tree()
        viewer = get_user_model().objects.create_user("bench-viewer", "viewer@example.ru", "bench-password-2026")
        product = make_product(1)
        _reviews(product, args.reviews, viewer, 0)
        question = _qa(product, args.questions, args.answers)
        _chat(product, 100)
        from search import mentions, rebuild
        from search.engines import get_engine

        rebuild.rebuild(get_engine(), rebuild.ALL_KINDS)  # as production: indexed, and
        mentions.refresh([product.pk])  # the words buyers mention stored by the background task
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        # (label, url, cold, anonymous only, settings for the row)
        pages = [
            ("product page", product.url, False, False, {}),
            # Anonymous without the whole page cached: the parts everyone sees alike come from
            # the cache, the page is rendered (what a new version's first visitor pays).
            ("product, page not cached", product.url, False, True, {"VERSIONED_PAGE_CACHE_SECONDS": 0}),
            ("product page, cold cache", product.url, True, False, {}),
            ("reviews page 2", product.url + "reviews/?page=2", False, False, {}),
            (f"question, {args.answers} answers", question.get_url(), False, False, {}),
            ("question, answers page 2", question.get_url() + "?page=2", False, False, {}),
            ("question, cold cache", question.get_url(), True, False, {}),
        ]
        rows = []
        for who in ("anonymous", "signed in"):
            client = Client()
            if who == "signed in":
                client.force_login(viewer)
            for label, url, cold, anonymous_only, overrides in pages:
                if anonymous_only and who != "anonymous":
                    continue
                saved = {name: getattr(settings, name) for name in overrides}
                for name, value in overrides.items():
                    setattr(settings, name, value)
                try:
                    page, base, queries = _measure(client, url, minimal.url, args.requests, cold)
                finally:
                    for name, value in saved.items():
                        setattr(settings, name, value)
                rows.append((label, who, page, base, queries))
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"bench.pages: {connection.vendor}, Django test client in-process, DEBUG={int(settings.DEBUG)}; "
              f"a product with {args.reviews} reviews, {args.questions} questions, 100 messages; "
              f"{args.requests} timed requests per page after {WARM_UP} warm-ups; ms; load average {load}")
        print(f"{'page':<27}{'viewer':<11}{'queries':>8}{'median':>9}{'p95':>9}{'minimal':>9}{'× minimal':>11}")
        for label, who, page, base, queries in rows:
            ratio = statistics.median(page) / statistics.median(base)
            print(f"{label:<27}{who:<11}{queries:>8}{statistics.median(page):>9.2f}{_p95(page):>9.2f}"
                  f"{statistics.median(base):>9.2f}{ratio:>11.2f}")
        print("(minimal: a Wagtail Page with a title only, timed alternately with each row)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
