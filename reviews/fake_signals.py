"""Fake-review signals: patterns that suggest bought or coordinated reviews, raised as queue items
with their evidence for a moderator to judge (nothing is hidden or deleted here).

* **near-duplicate texts across accounts** — word 3-gram shingles, MinHash signatures (64
  hashes) and LSH banding (16 bands of 4) find candidate pairs in one pass; a pair is reported when
  the exact Jaccard similarity of the shingles is at least ``DUPLICATE_SIMILARITY``;
* **rating bursts** — at least ``BURST_MIN`` reviews of the same extreme rating (5★ or 1★) on
  one product within ``BURST_WINDOW`` from accounts younger than ``YOUNG_ACCOUNT`` when they wrote;
* **reviews without purchases in a pattern** — one account writing at least ``UNBOUGHT_MIN``
  reviews within ``UNBOUGHT_WINDOW``, none of them of a product the shop's feed says it bought
  (only once the shop reports purchases at all: without the feed nobody is a verified buyer).

Texts repeated verbatim across accounts are also caught as they are written, for every kind
(:mod:`community.moderation.same_text`); a pair raised there is not raised again here.

Idempotent: each signal has a stable key per review (``community.moderation.queue.queue_raise``
raises a key once), so a nightly run and an on-demand run agree and a dismissed signal stays
dismissed. ``python manage.py detect_fake_reviews``.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from community.moderation.models import QueueReason, Status
from community.moderation.queue import queue_raise
from community.moderation.registry import kind_for_model
from community.moderation.same_text import copy_key
from reviews.models import Review

DUPLICATE_SIMILARITY = 0.7
SHINGLE = 3
HASHES, BANDS = 64, 16
ROWS = HASHES // BANDS
BURST_MIN = 4
BURST_WINDOW = timedelta(hours=48)
YOUNG_ACCOUNT = timedelta(days=14)
LOOKBACK = timedelta(days=90)
UNBOUGHT_MIN = 3
UNBOUGHT_WINDOW = timedelta(days=7)
_PRIME = (1 << 61) - 1
_SEEDS = [(1 + 2 * i * 7919 % _PRIME, 3 + i * 104729 % _PRIME) for i in range(HASHES)]
WORD = re.compile(r"\w+", re.U)


@dataclass
class Report:
    checked: int = 0
    duplicate_pairs: int = 0
    bursts: int = 0
    unbought_patterns: int = 0
    raised: int = 0
    details: list[str] = field(default_factory=list)


def shingles(text: str) -> set[str]:
    words = [w.replace("ё", "е") for w in WORD.findall(text.lower())]
    if len(words) < SHINGLE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def minhash(items: set[str]) -> tuple[int, ...]:
    hashes = [_hash(s) for s in items]
    return tuple(min((a * h + b) % _PRIME for h in hashes) for a, b in _SEEDS)


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def detect_fake_reviews(*, since=None, dry_run: bool = False) -> Report:
    """Raise queue items for the signals among reviews written since ``since`` (90 days back by
    default; ``None`` with ``since=False`` means all). Returns what was found and raised."""
    report = Report()
    reviews = Review.objects.exclude(status__in=[Status.REMOVED, Status.REJECTED]).select_related("author")
    if since is not False:
        reviews = reviews.filter(created__gte=since or timezone.now() - LOOKBACK)
    rows = list(reviews.only("pk", "author_id", "product_id", "rating", "title", "text", "created", "status",
                             "verified_purchase", "author__date_joined", "author__username").order_by("pk"))
    report.checked = len(rows)
    by_pk = {r.pk: r for r in rows}
    _near_duplicates(rows, by_pk, report, dry_run)
    _rating_bursts(rows, report, dry_run)
    _reviews_without_purchases(rows, report, dry_run)
    return report


def _near_duplicates(rows: list[Review], by_pk: dict[int, Review], report: Report, dry_run: bool) -> None:
    """Pairs the write-time "same text" signal already raised are not raised again."""
    review_kind = kind_for_model(Review)
    sets = {r.pk: shingles(f"{r.title} {r.text}") for r in rows}
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    for pk, items in sets.items():
        if len(items) < 3:  # too short to call a copy
            continue
        signature = minhash(items)
        for band in range(BANDS):
            buckets[(band, signature[band * ROWS:(band + 1) * ROWS])].append(pk)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        if 1 < len(members) <= 200:
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    if by_pk[a].author_id != by_pk[b].author_id:
                        pairs.add((min(a, b), max(a, b)))
    for a, b in sorted(pairs):
        similarity = jaccard(sets[a], sets[b])
        if similarity < DUPLICATE_SIMILARITY:
            continue
        report.duplicate_pairs += 1
        report.details.append(f"near-duplicate: #{a} ~ #{b} ({similarity:.0%})")
        for this, other in ((a, b), (b, a)):
            evidence = {"summary": _("%(percent)d%% the same words as review #%(other)d by %(author)s") % {
                "percent": round(similarity * 100), "other": other, "author": by_pk[other].author.get_username()},
                "other_review": other, "similarity": round(similarity, 3)}
            if not dry_run and queue_raise(content=by_pk[this], code=QueueReason.SIGNAL, key=f"duplicate:{other}",
                                           text=_("Nearly the same text as another account's review."),
                                           evidence=evidence, aliases=(copy_key(review_kind, other),)):
                report.raised += 1


def _rating_bursts(rows: list[Review], report: Report, dry_run: bool) -> None:
    groups: dict[tuple[int, int], list[Review]] = defaultdict(list)
    for r in rows:
        if r.rating in (1, 5) and r.created - r.author.date_joined < YOUNG_ACCOUNT:
            groups[(r.product_id, r.rating)].append(r)
    for (product_id, rating), members in groups.items():
        members.sort(key=lambda r: r.created)
        flagged: set[int] = set()
        start = 0
        for end, last in enumerate(members):
            while last.created - members[start].created > BURST_WINDOW:
                start += 1
            if end - start + 1 >= BURST_MIN:
                flagged.update(r.pk for r in members[start:end + 1])
        if not flagged:
            continue
        report.bursts += 1
        burst = [r for r in members if r.pk in flagged]
        report.details.append(f"burst: product {product_id}, {len(burst)} × {rating}★")
        summary = _("%(count)d reviews of %(rating)d★ on this product within %(hours)d hours from accounts "
                    "younger than %(days)d days") % {"count": len(burst), "rating": rating,
                                                      "hours": BURST_WINDOW.total_seconds() // 3600,
                                                      "days": YOUNG_ACCOUNT.days}
        for review in burst:
            evidence = {"summary": summary, "reviews": [r.pk for r in burst], "rating": rating}
            if not dry_run and queue_raise(content=review, code=QueueReason.SIGNAL, key=f"burst:{rating}",
                                           text=_("Part of a burst of extreme ratings from young accounts."),
                                           evidence=evidence):
                report.raised += 1


def _reviews_without_purchases(rows: list[Review], report: Report, dry_run: bool) -> None:
    """Accounts writing ``UNBOUGHT_MIN``+ reviews within ``UNBOUGHT_WINDOW``, none verified, while
    the shop does report purchases. A verified review anywhere in the run breaks the pattern."""
    from community.catalog.models import Purchase

    if not Purchase.objects.exists():
        return
    by_author: dict[int, list[Review]] = defaultdict(list)
    for r in rows:
        by_author[r.author_id].append(r)
    for author_reviews in by_author.values():
        if len(author_reviews) < UNBOUGHT_MIN or any(r.verified_purchase for r in author_reviews):
            continue
        author_reviews.sort(key=lambda r: r.created)
        flagged: set[int] = set()
        start = 0
        for end, last in enumerate(author_reviews):
            while last.created - author_reviews[start].created > UNBOUGHT_WINDOW:
                start += 1
            if end - start + 1 >= UNBOUGHT_MIN:
                flagged.update(r.pk for r in author_reviews[start:end + 1])
        if not flagged:
            continue
        pattern = [r for r in author_reviews if r.pk in flagged]
        report.unbought_patterns += 1
        report.details.append(f"no purchases: {pattern[0].author.get_username()}, {len(pattern)} reviews")
        summary = _("%(count)d reviews by %(author)s within %(days)d days, none of a product they bought") % {
            "count": len(pattern), "author": pattern[0].author.get_username(), "days": UNBOUGHT_WINDOW.days}
        for review in pattern:
            evidence = {"summary": summary, "reviews": [r.pk for r in pattern]}
            if not dry_run and queue_raise(content=review, code=QueueReason.SIGNAL, key="unbought",
                                           text=_("One of many reviews by this account without a purchase."),
                                           evidence=evidence):
                report.raised += 1
