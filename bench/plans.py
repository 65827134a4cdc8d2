"""Query plans at size: EXPLAIN every statement of the pages, the API and the writes (figures only).

``python -m bench.plans [--database-url postgres://…] [--products 20000] [--questions 200000]
[--chat-rooms 3000] [--pages 260] [--keep]`` needs PostgreSQL for its EXPLAIN (``--database-url``,
default ``DATABASE_URL``) and works in a database of its own, the URL's name plus ``_plans``:
created, migrated, given the demo content, inflated (``--products`` bulk product pages with a
review each, ``--questions`` questions over them, every other one answered, ``--chat-rooms`` rooms
of 100 messages; timestamps 37 s apart, growing with the ids as on a live site: equal ones give
the planner artificial ties), then ``VACUUM ANALYZE`` (~5 minutes in all). It is dropped at the
end (with its media files in ``test-artifacts/``) unless ``--keep``; the next ``--keep`` run reuses
a kept one. ``DEBUG`` off; no Redis, no Elasticsearch (the cache is the process's memory, search
the database's).

Through Django's test client it crawls up to ``--pages`` pages (3 per URL shape) anonymously and
as the demo user ``anna``, reads a list of API, embed and search URLs, and runs the main write
services, each in a transaction rolled back afterwards. Each SELECT is run again under ``EXPLAIN
ANALYZE``, each INSERT, UPDATE and DELETE under ``EXPLAIN`` (planned, not run). Printed: the row
counts of the big tables (over 5,000 rows); each statement that scans one sequentially (which)
or ran over 20 ms (its slowest time), with up to 3 places where it was seen and its SQL (numbers
as N; a long one as its first and last 200 characters); a summary: pages crawled, statements
explained, findings.
"""

from __future__ import annotations

import argparse
import html
import io
import os
import re
import shutil
import sys
import time
from collections import Counter, deque
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MARKER = "bench-plans-inflated"  # the user the set-up creates last: a kept database with it is complete
BIG_ROWS = 5000
SLOW_MS = 20
STEP = timedelta(seconds=37)  # between consecutive rows' timestamps
START = ["/", "/search/?q=ноутбук", "/community/", "/experts/", "/sitemap.xml", "/cabinet/", "/notifications/",
         "/chat/"]
SKIP = ("/static/", "/media/", "/admin/", "/accounts/logout", "/i18n/", "/documents/")


def _inflated(url: str) -> bool:
    """Whether the database exists with its set-up complete (the marker user made last)."""
    import psycopg

    try:
        with psycopg.connect(url) as connection:
            return bool(connection.execute("select 1 from auth_user where username = %s", [MARKER]).fetchone())
    except psycopg.Error:
        return False  # missing, or its set-up was cut short


def _drop(url: str, then_create: bool = False) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'drop database if exists "{name}" with (force)')  # its connections closed
        if then_create:
            connection.execute(f'create database "{name}"')


def _setup_django(url: str, media: Path) -> None:
    os.environ.update(DATABASE_URL=url, MEDIA_ROOT=str(media))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    for name in ("REDIS_URL", "ELASTICSEARCH_URL"):
        os.environ.pop(name, None)
    import logging

    import django
    from django.conf import settings
    from django.test.utils import setup_test_environment

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the crawl's 404s are not news
    settings.DEBUG = False  # as in production: no SQL log, no template debug information
    setup_test_environment()  # e-mail kept in memory
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver", "localhost"]


def _set_up(url: str, args: argparse.Namespace) -> None:
    import psycopg
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from bench.seo import _bulk_products
    from community.catalog.models import CategoryPage

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("demo_content", no_progress=True, stdout=io.StringIO())
    print(f"  migrated, demo content: {time.perf_counter() - started:.0f} s", flush=True)
    category = (CategoryPage.objects.filter(depth__gte=4).order_by("pk").first()
                or CategoryPage.objects.order_by("-depth").first())
    users = list(get_user_model().objects.order_by("pk")[:60])
    pages = _bulk_products(category, args.products)
    _fill(pages, users, args.questions, args.chat_rooms)
    get_user_model().objects.create_user(MARKER)
    with psycopg.connect(url, autocommit=True) as connection:  # VACUUM runs outside a transaction
        connection.execute("vacuum analyze")
    print(f"  set up in {time.perf_counter() - started:.0f} s", flush=True)


def _fill(pages: list, users: list, questions: int, rooms: int) -> None:
    """A review per page, ``questions`` questions (every other one answered 6 minutes later) and
    ``rooms`` rooms of 100 messages, timestamps ``STEP`` apart."""
    from django.db import connection
    from django.utils import timezone

    from chat.models import Message, Room, RoomKind
    from community.moderation.models import Status
    from community.qa.models import Answer, Question
    from community.qa.terms import stored_terms
    from reviews.models import ProductReviewStats, Review

    def user(n: int):
        return users[n % len(users)]

    reviews = Review.objects.bulk_create([
        Review(product=page, author=user(n), rating=4 + n % 2, title="Хороший товар", text="Пользуюсь месяц.",
               text_html="<p>Пользуюсь месяц.</p>", status=Status.PUBLISHED) for n, page in enumerate(pages)],
        batch_size=1000)
    ProductReviewStats.objects.bulk_create([
        ProductReviewStats(product=page, review_count=1, rating_sum=4 + n % 2, **{f"stars_{4 + n % 2}": 1})
        for n, page in enumerate(pages)], batch_size=1000, ignore_conflicts=True)
    with connection.cursor() as cursor:  # the pages share one publication instant; Review.created is auto_now_add
        cursor.execute("update wagtailcore_page set first_published_at = first_published_at - (%s - id) * "
                       "interval '37 seconds', last_published_at = last_published_at - (%s - id) * "
                       "interval '37 seconds' where id between %s and %s", [pages[-1].pk] * 2 + [pages[0].pk, pages[-1].pk])
        cursor.execute("update reviews_review set created = created - (%s - id) * interval '37 seconds' "
                       "where id between %s and %s", [reviews[-1].pk, reviews[0].pk, reviews[-1].pk])
    start = timezone.now() - STEP * (questions + 100)
    for first in range(0, questions, 10_000):
        batch = Question.objects.bulk_create([
            Question(product=pages[n % len(pages)], author=user(n), title=f"Вопрос {n}?", slug=f"vopros-plans-{n}",
                     title_terms=stored_terms(f"Вопрос {n}?"), status=Status.PUBLISHED, created=start + STEP * n,
                     published_at=start + STEP * n, answer_count=1 - n % 2)
            for n in range(first, min(questions, first + 10_000))], batch_size=2000)
        Answer.objects.bulk_create([
            Answer(question=q, author=user(first + n + 1), text="Да.", text_html="<p>Да.</p>", text_excerpt="Да.",
                   status=Status.PUBLISHED, created=q.created + STEP * 10, published_at=q.created + STEP * 10)
            for n, q in enumerate(batch) if q.answer_count], batch_size=2000)
    start = timezone.now() - STEP * (rooms * 100 + 100)
    made = Room.objects.bulk_create([Room(kind=RoomKind.PRODUCT, product=page, created=start) for page in pages[:rooms]])
    for first in range(0, len(made), 100):
        Message.objects.bulk_create([
            Message(room=room, author=user(n), body=f"Сообщение {n}", body_html=f"Сообщение {n}",
                    status=Status.PUBLISHED, created=start + STEP * ((first + r) * 100 + n))
            for r, room in enumerate(made[first:first + 100]) for n in range(100)], batch_size=5000)
    with connection.cursor() as cursor:  # what message_post keeps on the room
        cursor.execute("update chat_room set last_message_id = m.id, last_message_at = m.created from "
                       "(select distinct on (room_id) room_id, id, created from chat_message "
                       "order by room_id, id desc) m where m.room_id = chat_room.id and last_message_id = 0")
    print(f"  {len(pages)} products, {questions} questions, {len(made)} chat rooms", flush=True)


def _seq_scans(plan: dict) -> set[str]:
    found = {plan["Relation Name"]} if plan.get("Node Type") == "Seq Scan" and "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= _seq_scans(child)
    return found


def _cut(sql: str) -> str:
    """The start and the end of a long statement (its columns, then its conditions and order)."""
    return sql if len(sql) <= 400 else f"{sql[:200]} … {sql[-200:]}"


class Audit:
    """Runs code, EXPLAINs the statements it sent, and keeps those that scan a big table
    sequentially or run over SLOW_MS, one entry per statement whatever its values, with where
    it was seen."""

    def __init__(self, big: dict[str, int]) -> None:
        self.big = big
        self.scans: dict[str, list] = {}  # shape → [tables, where seen, SQL as first seen]
        self.slow: dict[str, list] = {}  # shape → [slowest ms, where seen, SQL as first seen]
        self.explained = 0

    def run(self, where: str, action):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            try:
                result = action()
            except Exception as error:  # report and go on: its statements are still worth reading
                print(f"{where}: raised {type(error).__name__}: {error}", flush=True)
                result = None
        for query in captured.captured_queries:
            self._explain(query["sql"], where)
        return result

    def _explain(self, sql: str, where: str) -> None:
        from django.db import DatabaseError, connection, transaction

        head = sql.lstrip()[:6].upper()
        if head not in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            return
        options = "ANALYZE, FORMAT JSON" if head == "SELECT" else "FORMAT JSON"
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN ({options}) {sql}")
                plan = cursor.fetchone()[0][0]
        except DatabaseError:
            return  # a statement that does not stand alone as logged (parameters inlined)
        self.explained += 1
        sql = " ".join(re.sub(r"\d+", "N", sql).split())
        shape = re.sub(r"'…'(, '…')*", "'…'", re.sub(r"'[^']*'", "'…'", sql))  # strings and lists of them alike
        if tables := _seq_scans(plan["Plan"]) & self.big.keys():
            scan = self.scans.setdefault(shape, [set(), {}, sql])
            scan[0] |= tables
            scan[1][where] = None
        if plan.get("Execution Time", 0) > SLOW_MS:
            slow = self.slow.setdefault(shape, [0, {}, sql])
            slow[0] = max(slow[0], plan["Execution Time"])
            slow[1][where] = None

    def report(self) -> int:
        print(f"\n=== Sequential scans of big tables: {len(self.scans)}")
        for tables, where, sql in sorted(self.scans.values(), key=lambda scan: sorted(scan[0])):
            print(f"\n[{', '.join(sorted(tables))}] {', '.join(list(where)[:3])}\n  {_cut(sql)}")
        print(f"\n=== Statements over {SLOW_MS} ms: {len(self.slow)}")
        for ms, where, sql in sorted(self.slow.values(), key=lambda slow: -slow[0]):
            print(f"\n{ms:.0f} ms  {', '.join(list(where)[:3])}\n  {_cut(sql)}")
        return len(self.scans) + len(self.slow)


def _crawl(audit: Audit, who: str, user, limit: int) -> int:
    """Follow links breadth-first from START and the newest product, at most 3 pages per URL
    shape (slugs and numbers alike); return the number of pages read."""
    from django.core.cache import cache
    from django.test import Client

    from community.catalog.models import ProductPage

    client = Client(HTTP_HOST="localhost")
    if user is not None:
        client.force_login(user)
    cache.clear()  # each visitor starts cold: the statements behind the cached parts run too
    queue = deque([*START, ProductPage.objects.order_by("-pk").first().url])
    seen, shapes, count = set(), Counter(), 0
    while queue and count < limit:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", re.sub(r"/[^/?]*[а-я-][^/?]*/", "/S/", url))
        if url in seen or shapes[shape] >= 3:
            continue
        seen.add(url)
        shapes[shape] += 1
        response = audit.run(f"{who} {url}", partial(client.get, url))
        count += 1
        if response is None or response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="(/[^"#]*)"', response.content.decode("utf-8", "replace")):
            if not (href := html.unescape(href)).startswith(SKIP) and href not in seen:
                queue.append(href)
    print(f"{who}: {count} pages crawled", flush=True)
    return count


def _api(audit: Audit) -> None:
    from django.test import Client

    from community.catalog.models import ProductPage
    from community.qa.models import Answer, Question
    from reviews.models import ProductReviewStats, Review

    big = ProductPage.objects.order_by("-pk").values_list("sku", flat=True).first()  # a bulk-made one
    demo = (ProductReviewStats.objects.filter(product__sku__startswith="DEMO-").order_by("-review_count")
            .values_list("product__sku", flat=True).first())  # the demo product with the most reviews
    question, answer, review = (model.objects.order_by("-pk").values_list("pk", flat=True).first()
                                for model in (Question, Answer, Review))
    client = Client(HTTP_HOST="localhost")
    for url in [f"/api/v1/ratings?sku={big}&sku={demo}", f"/api/v1/products/{demo}/reviews",
                f"/api/v1/products/{demo}/reviews?page=3", f"/api/v1/products/{big}/reviews",
                f"/api/v1/products/{demo}/questions", f"/api/v1/products/{big}/questions",
                f"/api/v1/questions/{question}", f"/api/v1/answers/{answer}", f"/api/v1/reviews/{review}",
                f"/api/v1/products/{demo}/experts", f"/embed/v1/{demo}/rating.html", f"/embed/v1/{demo}/reviews.html",
                f"/embed/v1/{big}/reviews.html", "/search/?q=ноутбук&kind=question", "/search/suggest/?q=ноу"]:
        response = audit.run(f"api {url}", partial(client.get, url))
        print(f"api {url}: {response.status_code if response else 'failed'}", flush=True)


def _writes(audit: Audit) -> None:
    """The main write services, each in a transaction rolled back once its statements were
    explained (so they see its rows)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from chat.models import Room, RoomKind
    from chat.services import message_post
    from community.catalog.models import ProductPage
    from community.moderation.services import flag
    from community.qa import services as qa
    from community.qa.models import Answer, Question
    from reviews.models import Review
    from reviews.services import review_create, review_vote

    anna, ivan = (get_user_model().objects.get(username=name) for name in ("anna", "ivan"))
    product = ProductPage.objects.order_by("-pk").first()
    question = Question.objects.filter(product=product).published().first()
    answer = Answer.objects.published().exclude(author=anna).order_by("-pk").first()
    review = Review.objects.published().exclude(author=anna).order_by("-pk").first()
    writes = {
        "review_create": partial(review_create, author=ivan, rating=5, title="Отличный",
                                 product=ProductPage.objects.exclude(reviews__author=ivan).order_by("-pk").first(),
                                 text="Пользуюсь две недели, всё отлично работает и батарея держит долго."),
        "review_vote": partial(review_vote, voter=anna, review=review, helpful=True),
        "question_ask": partial(qa.question_ask, author=anna, product=product, title="Подойдёт ли для видео в 4K?"),
        "answer_post": partial(qa.answer_post, author=ivan, question=question,
                               text="Да, подойдёт, я монтирую на нём ролики уже полгода."),
        "answer_vote": partial(qa.answer_vote, voter=anna, answer=answer, value=1),
        "question_vote": partial(qa.question_vote, voter=ivan, question=question),
        "flag": partial(flag, reporter=anna, content=answer, reason="spam"),
        "chat message_post": partial(message_post, author=anna, client_id="bench-plans-1",
                                     room=Room.objects.filter(kind=RoomKind.PRODUCT).order_by("-pk").first(),
                                     body="Как вам этот товар, стоит ли его брать сейчас?"),
        "question_follow": partial(qa.question_follow, user=ivan, question=question),
    }
    for label, write in writes.items():
        before = audit.explained
        with transaction.atomic():
            audit.run(f"write {label}", write)
            transaction.set_rollback(True)
        print(f"write {label}: {audit.explained - before} statements explained, rolled back", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.plans", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL server and base name (default: DATABASE_URL); the audit uses <name>_plans")
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--questions", type=int, default=200_000)
    parser.add_argument("--chat-rooms", type=int, default=3000)
    parser.add_argument("--pages", type=int, default=260, help="crawl limit per visitor")
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse a kept one)")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the audit needs PostgreSQL's EXPLAIN: pass --database-url postgres://… or set DATABASE_URL")

    split = urlsplit(args.database_url)
    name = f"{split.path.lstrip('/') or 'postgres'}_plans"
    url = urlunsplit(split._replace(path=f"/{name}"))
    media = ROOT / "test-artifacts" / f"{name}-media"  # the demo content's images
    started = time.perf_counter()
    inflated = args.keep and _inflated(url)
    if not inflated:
        _drop(url, then_create=True)
    try:
        _setup_django(url, media)
        from django.contrib.auth import get_user_model
        from django.db import connection

        print(f"bench.plans: {'reusing the kept' if inflated else 'setting up the'} database {name}", flush=True)
        if not inflated:
            _set_up(url, args)
        with connection.cursor() as cursor:
            cursor.execute("select relname, reltuples::bigint from pg_class where relkind = 'r' and relnamespace = "
                           "'public'::regnamespace and reltuples > %s order by 2 desc", [BIG_ROWS])
            big = dict(cursor.fetchall())
        print("big tables (rows): " + ", ".join(f"{table} {rows:,}" for table, rows in big.items()), flush=True)
        audit = Audit(big)
        pages = sum(_crawl(audit, who, user, args.pages)
                    for who, user in (("anon", None), ("anna", get_user_model().objects.get(username="anna"))))
        _api(audit)
        _writes(audit)
        findings = audit.report()
        print(f"\nbench.plans: {pages} pages crawled, {audit.explained} statements explained, {findings} findings "
              f"({time.perf_counter() - started:.0f} s in all)")
    finally:
        if not args.keep:
            _drop(url)
            shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
