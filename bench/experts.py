"""Reputation: the cost of one vote's reputation and of ``rebuild_reputation`` at scale.

``python -m bench.experts [--votes 100000] [--million] [--apply 300]`` makes a throwaway test
database on the configured engine (a SQLite file by default; PostgreSQL when ``DATABASE_URL``
points to it: its ``test_…`` database), bulk-inserts a community — 5 top-level categories,
voters with confirmed, old accounts, reviews, and helpful / not-helpful votes spread over a
year, except that every tenth review collects its 50 votes in one day (so the daily cap
bites) — and prints:

* ``rebuild_reputation`` into an empty ledger (every event written), with its phases;
* ``rebuild_reputation`` again over the exact ledger (the nightly check: nothing to write);
* the time to apply one new vote's reputation (``experts.services.reputation_for_vote``:
  ledger, cap, totals, profile, Expert re-check), median and p95, over a full ledger.

``--million`` runs 1,000,000 votes (the budget: ≤ 60 s for the rebuild on PostgreSQL).
Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal

VOTES_PER_REVIEW = 50
CATEGORIES = ["Ноутбуки", "Смартфоны", "Бытовая техника", "ТВ и аудио", "Комплектующие"]
PRODUCTS_PER_CATEGORY = 20


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django

    django.setup()


def _products():
    from wagtail.models import Locale, Page, Site

    from community.catalog.models import CategoryPage, HomePage, ProductPage

    Locale.objects.get_or_create(language_code="ru")
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).exclude(slug="bench-home").update(slug="wagtail-welcome")
    home = root.add_child(instance=HomePage(title="Бенчмарк", slug="bench-home"))
    site = Site.objects.filter(is_default_site=True).first()
    site.root_page = home
    site.save()
    products = []
    for c, title in enumerate(CATEGORIES):
        top = home.add_child(instance=CategoryPage(title=title, slug=f"top-{c}"))
        sub = top.add_child(instance=CategoryPage(title=f"{title}: всё", slug=f"sub-{c}"))
        for n in range(PRODUCTS_PER_CATEGORY):
            products.append(sub.add_child(instance=ProductPage(
                title=f"{title} {n}", slug=f"p-{c}-{n}", brand="Acme", sku=f"B-{c}-{n}", price=Decimal("9990"))))
    return products


def _people(prefix: str, count: int, joined) -> list[int]:
    from django.contrib.auth import get_user_model

    from community.accounts.models import Profile

    user_model = get_user_model()
    names = [f"{prefix}{n}" for n in range(count)]
    for start in range(0, count, 10_000):
        user_model.objects.bulk_create([user_model(username=name, password="!", date_joined=joined)  # noqa: S106
                                        for name in names[start:start + 10_000]], batch_size=5000)
    ids = list(user_model.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True))
    Profile.objects.bulk_create([Profile(user_id=pk, email_verified=True) for pk in ids], batch_size=5000,
                                ignore_conflicts=True)
    Profile.objects.filter(user_id__in=ids).update(email_verified=True)
    return ids


def _community(votes: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """Bulk-insert reviews and ``votes`` votes; return the review ids and the voter ids."""
    from django.utils import timezone
    from tqdm import tqdm

    from community.moderation.models import Status
    from reviews.models import Review, ReviewVote

    now = timezone.now()
    products = _products()
    reviews_needed = max(1, votes // VOTES_PER_REVIEW)
    authors = _people("author", reviews_needed // 2 + 1, now - timedelta(days=800))
    voters = _people("voter", max(VOTES_PER_REVIEW * 3, min(20_000, votes // 50)), now - timedelta(days=800))
    rows = []
    for n in range(reviews_needed):
        rows.append(Review(author_id=authors[n // 2], product=products[(n * 7 + n // 2) % len(products)],
                           rating=rng.randint(1, 5), title=f"Отзыв {n}", text="Текст отзыва.",
                           text_html="<p>Текст отзыва.</p>", status=Status.PUBLISHED))
    Review.objects.bulk_create(rows, batch_size=5000)
    review_ids = list(Review.objects.order_by("pk").values_list("pk", flat=True))
    # Votes arrive over a year: set their times at insert (the bench switches auto_now off meanwhile).
    fields = [ReviewVote._meta.get_field("created"), ReviewVote._meta.get_field("updated")]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        batch, made = [], 0
        with tqdm(total=votes, desc="bulk-inserting votes", unit="", leave=False) as bar:
            for index, review_id in enumerate(review_ids):
                if made >= votes:
                    break
                viral = index % 10 == 0  # every tenth review collects all its votes in one day
                day = rng.randrange(365)
                for voter in rng.sample(voters, min(VOTES_PER_REVIEW, votes - made)):
                    moment = now - timedelta(days=day if viral else rng.randrange(365),
                                             seconds=rng.randrange(86_400))
                    batch.append(ReviewVote(review_id=review_id, voter_id=voter, helpful=rng.random() < 0.8,
                                            created=moment, updated=moment))
                    made += 1
                if len(batch) >= 20_000:
                    ReviewVote.objects.bulk_create(batch, batch_size=20_000)
                    bar.update(len(batch))
                    batch = []
            ReviewVote.objects.bulk_create(batch, batch_size=20_000)
            bar.update(len(batch))
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
    return review_ids, voters


def _apply_one_vote(review_ids: list[int], voters: list[int], count: int, rng: random.Random) -> list[float]:
    from django.db import transaction

    from experts import services
    from reviews.models import ReviewVote

    timings = []
    for _ in range(count):
        review_id, voter = rng.choice(review_ids), rng.choice(voters)
        if ReviewVote.objects.filter(review_id=review_id, voter_id=voter).exists():
            continue
        with transaction.atomic():
            ReviewVote.objects.create(review_id=review_id, voter_id=voter, helpful=rng.random() < 0.8)
            start = time.perf_counter()
            services.reputation_for_vote(kind="review", object_id=review_id, voter_id=voter)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.experts", description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=100_000, help="votes to generate (default 100000)")
    parser.add_argument("--million", action="store_true", help="1,000,000 votes")
    parser.add_argument("--apply", type=int, default=300, help="single votes timed (default 300)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    votes = 1_000_000 if args.million else args.votes
    rng = random.Random(args.seed)

    _setup_django()
    from django.db import connection
    from django.db.models import F

    from experts.models import ReputationEvent
    from experts.rebuild import rebuild_reputation

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        review_ids, voters = _community(votes, rng)
        generated = time.perf_counter() - started
        database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite file"
        print(f"bench.experts: throwaway {database} test database ({connection.settings_dict['NAME']}); "
              f"{votes:,} review votes on {len(review_ids):,} reviews by {len(voters):,} voters, "
              f"generated in {generated:.1f} s")
        started = time.perf_counter()
        first = rebuild_reputation(progress=True)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        second = rebuild_reputation(progress=True)
        second_s = time.perf_counter() - started
        live = ReputationEvent.objects.live().count()
        capped = ReputationEvent.objects.live().exclude(delta=F("points")).count()
        print(f"{'rebuild into an empty ledger':<44}{first_s:>9.2f} s   events written {first.added:,}, "
              f"live {live:,} ({capped:,} lowered by the daily cap)")
        print("    phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in first.seconds.items()))
        print(f"{'rebuild over the exact ledger (check)':<44}{second_s:>9.2f} s   exact: {second.exact}")
        print("    phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in second.seconds.items()))
        timings = _apply_one_vote(review_ids, voters, args.apply, rng)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{'one vote’s reputation (reputation_for_vote)':<44}{statistics.median(timings):>9.2f} ms median, "
              f"{p95:.2f} ms p95 over {len(timings)} votes with {live:,} live events")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
