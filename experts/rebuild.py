"""``rebuild_reputation``: the ledger from the votes and content states, and every stored total
from the ledger — reproducing exactly what the incremental path keeps.

1. Every entitlement on the site is derived from the current state (:mod:`experts.sources`)
   and the daily cap applied (:func:`experts.ledger.capped_deltas`), the same functions the
   incremental path uses.
2. The live ledger is compared with it: events no longer due (or due with other values) are
   reversed with the reason "rebuild", missing ones are written (``COPY`` on PostgreSQL). With
   ``from_scratch`` every live event is reversed first and all are written anew (the ledger is
   append-only: history stays).
3. ``ReputationTotal``, ``CategoryReputation`` and the profiles' reputation and level are
   recomputed from the live ledger and corrected where they differ; then every Expert status
   is re-checked.

Runs in one transaction holding the ledger's write lock (PostgreSQL ``LOCK TABLE … EXCLUSIVE``,
SQLite's write lock): votes arriving meanwhile wait, then reconcile against the rebuilt ledger.
"""

from __future__ import annotations

import gc
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from tqdm import tqdm

from community.accounts.models import Profile
from experts import ledger, sources
from experts.models import CategoryReputation, FraudulentVote, ReputationEvent, ReputationTotal
from experts.rules import Rules, current_rules

REBUILD_REASON = "rebuild"
CHUNK = 10_000


@dataclass
class RebuildReport:
    entitlements: int = 0
    live_before: int = 0
    reversed: int = 0
    added: int = 0
    totals_fixed: int = 0
    categories_fixed: int = 0
    profiles_fixed: int = 0
    experts_gained: int = 0
    experts_lost: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        """Whether the stored state was already what the rebuild computes."""
        return not (self.reversed or self.added or self.totals_fixed or self.categories_fixed or self.profiles_fixed)


class _Days:
    """``local_day`` with a cache per hour (a rebuild converts a million timestamps; every time
    zone's offset is a whole number of quarter hours, and days turn on the hour)."""

    def __init__(self):
        self.cache: dict[int, date] = {}

    def __call__(self, moment: datetime) -> date:
        key = int(moment.timestamp()) // 900
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = ledger.local_day(moment)
        return found


def capped_deltas_fast(items: list[sources.Entitlement], cap: int) -> dict[tuple, int]:
    """:func:`experts.ledger.capped_deltas`, with the day lookup cached."""
    days_of = _Days()
    result: dict[tuple, int] = {}
    days: dict[tuple[int, date], list[sources.Entitlement]] = defaultdict(list)
    for item in items:
        if item.capped:
            days[(item.user_id, days_of(item.created))].append(item)
        else:
            result[item.key] = item.points
    for group in days.values():
        if len(group) > 1:
            group.sort(key=ledger.order_key)
        used = 0
        for item in group:
            got = max(0, min(item.points, cap - used))
            used += got
            result[item.key] = got
    return result


def _lock_ledger() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ReputationEvent._meta.db_table} IN EXCLUSIVE MODE")


def _bar(progress: bool, total: int | None, desc: str):
    return tqdm(total=total, desc=desc, unit="", leave=False, file=sys.stderr, disable=not progress,
                mininterval=0.5)


def rebuild_reputation(*, rules: Rules | None = None, now: datetime | None = None, from_scratch: bool = False,
                       check_only: bool = False, progress: bool = False,
                       clock: Callable[[], float] | None = None) -> RebuildReport:
    """Recompute the ledger and every stored total; return what had to change.

    ``check_only`` computes and reports without writing (the transaction is rolled back).
    """
    import time

    clock = clock or time.perf_counter
    rules = rules or current_rules()
    now = now or timezone.now()
    report = RebuildReport()
    collecting = gc.isenabled()
    gc.disable()  # a million short-lived objects: the cyclic collector would only slow us down
    try:
        with transaction.atomic():
            _lock_ledger()
            _rebuild(rules=rules, now=now, from_scratch=from_scratch, progress=progress, report=report, clock=clock)
            if check_only:
                raise _DryRun
            committing = clock()
        report.seconds["commit"] = clock() - committing
    except _DryRun:
        pass
    finally:
        if collecting:
            gc.enable()
    if report.added + report.reversed > 10_000 and connection.vendor == "postgresql" and not check_only:
        # Fresh statistics, or the planner keeps treating the ledger as the tiny table it was.
        started = clock()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ReputationEvent._meta.db_table}")
        report.seconds["analyze"] = clock() - started
    return report


class _DryRun(Exception):
    pass


def _rebuild(*, rules, now, from_scratch, progress, report, clock) -> None:
    started = clock()
    ctx = sources.Context(rules=rules, now=now)
    ctx.fraud = set(FraudulentVote.objects.values_list("content_type_id", "object_id", "voter_id"))
    sources.load_accepted_times(ctx)
    total_votes = sum(model.objects.count() for model in sources.VOTE_MODELS.values())
    with _bar(progress, total_votes, "votes → entitlements") as bar:
        due = list(_counted(sources.desired_everything(ctx), bar))
    report.entitlements = len(due)
    deltas = capped_deltas_fast(due, rules.daily_cap)
    report.seconds["derive"] = clock() - started

    started = clock()
    existing: dict[tuple, tuple] = {}
    live = ReputationEvent.objects.live().values_list(
        "pk", "content_type_id", "object_id", "actor_id", "reason", "user_id", "category_id", "product_id",
        "points", "created", "delta", named=True,
    ).order_by()
    with _bar(progress, None, "ledger") as bar:
        for row in live.iterator(chunk_size=CHUNK):
            existing[(row.content_type_id, row.object_id, row.actor_id, row.reason)] = row
            bar.update(1)
    report.live_before = len(existing)
    to_reverse: list[int] = []
    to_add: list[tuple[sources.Entitlement, int]] = []
    for item in due:
        delta = deltas[item.key]
        row = existing.pop(item.key, None)
        if row is not None and not from_scratch and (
                row.user_id, row.category_id, row.product_id, row.points, row.created, row.delta) == (
                *item.attrs, delta):
            continue
        if row is not None:
            to_reverse.append(row.pk)
        to_add.append((item, delta))
    to_reverse.extend(row.pk for row in existing.values())
    report.reversed, report.added = len(to_reverse), len(to_add)
    report.seconds["compare"] = clock() - started

    started = clock()
    with _bar(progress, len(to_reverse) + len(to_add), "ledger writes") as bar:
        for start in range(0, len(to_reverse), CHUNK):
            ids = to_reverse[start:start + CHUNK]
            ReputationEvent.objects.filter(pk__in=ids).update(reversed_at=now, reversal_reason=REBUILD_REASON)
            bar.update(len(ids))
        _insert(to_add, now=now, bar=bar)
    report.seconds["write"] = clock() - started

    started = clock()
    _rebuild_totals(rules=rules, report=report)
    report.seconds["totals"] = clock() - started

    started = clock()
    from experts import services

    check = services.experts_check(now=now)
    report.experts_gained, report.experts_lost = check.gained, check.lost
    report.seconds["experts"] = clock() - started


def _counted(items: Iterator, bar) -> Iterator:
    """Advance ``bar`` roughly once per vote (entitlements of votes dominate)."""
    n = 0
    for item in items:
        n += 1
        if n % 5000 == 0:
            bar.update(5000)
        yield item
    bar.update(n % 5000)


_COLUMNS = ("user_id", "actor_id", "reason", "content_type_id", "object_id", "category_id", "product_id", "points",
            "delta", "created", "recorded_at", "reversal_reason")


def _insert(rows: list[tuple[sources.Entitlement, int]], *, now: datetime, bar) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        # COPY in its text format, formatted here: a million rows in seconds, not minutes.
        table = ReputationEvent._meta.db_table
        recorded = now.isoformat()
        null = "\\N"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 100_000):
                chunk = rows[start:start + 100_000]
                lines = [
                    f"{i.user_id}\t{null if i.actor_id is None else i.actor_id}\t{i.reason}\t{i.content_type_id}\t"
                    f"{i.object_id}\t{null if i.category_id is None else i.category_id}\t"
                    f"{null if i.product_id is None else i.product_id}\t{i.points}\t{delta}\t"
                    f"{i.created.isoformat()}\t{recorded}\t\n"
                    for i, delta in chunk
                ]
                with cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                    copy.write("".join(lines))
                bar.update(len(chunk))
        return
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        ReputationEvent.objects.bulk_create([ledger._event(item, delta) for item, delta in chunk], batch_size=CHUNK)
        bar.update(len(chunk))


def _set_values(model, field: str, values: dict, key: str = "pk") -> None:
    """``UPDATE … SET field = v WHERE key IN (…)`` once per distinct value: a few thousand
    statements instead of one per row (or one giant CASE), on any database."""
    by_value: dict = defaultdict(list)
    for pk, value in values.items():
        by_value[value].append(pk)
    for value, keys in by_value.items():
        for start in range(0, len(keys), CHUNK):
            model.objects.filter(**{f"{key}__in": keys[start:start + CHUNK]}).update(**(
                dict(zip(field, value, strict=True)) if isinstance(field, tuple) else {field: value}))


def _rebuild_totals(*, rules: Rules, report: RebuildReport) -> None:
    """Stored totals := sums of the live ledger; profiles := their reputation and level."""
    live = ReputationEvent.objects.live()
    by_user = dict(live.values("user_id").annotate(s=Sum("delta")).order_by().values_list("user_id", "s"))
    stored = dict(ReputationTotal.objects.values_list("user_id", "points"))
    # A missing row means 0, as it does for the incremental path (it creates rows when it moves them).
    missing = [ReputationTotal(user_id=u, points=p) for u, p in by_user.items() if u not in stored and p]
    ReputationTotal.objects.bulk_create(missing, batch_size=CHUNK)
    wrong = {u: by_user.get(u, 0) for u, p in stored.items() if p != by_user.get(u, 0)}
    _set_values(ReputationTotal, "points", wrong, key="user_id")
    report.totals_fixed = len(missing) + len(wrong)

    by_pair = {(u, c): s for u, c, s in live.filter(category__isnull=False).values("user_id", "category_id")
               .annotate(s=Sum("delta")).order_by().values_list("user_id", "category_id", "s")}
    stored_pairs = {(u, c): (pk, p) for pk, u, c, p in CategoryReputation.objects.values_list(
        "pk", "user_id", "category_id", "points")}
    creates = [CategoryReputation(user_id=u, category_id=c, points=p) for (u, c), p in by_pair.items()
               if (u, c) not in stored_pairs and p]
    CategoryReputation.objects.bulk_create(creates, batch_size=CHUNK)
    wrong = {pk: by_pair.get(pair, 0) for pair, (pk, p) in stored_pairs.items() if p != by_pair.get(pair, 0)}
    _set_values(CategoryReputation, "points", wrong)
    report.categories_fixed = len(creates) + len(wrong)

    changed = {}
    for pk, user_id, reputation, level in Profile.objects.values_list("pk", "user_id", "reputation", "level").iterator(
            chunk_size=CHUNK):
        want = rules.reputation_for(by_user.get(user_id, 0))
        if (reputation, level) != (want, rules.level_for(want)):
            changed[pk] = (want, rules.level_for(want))
    _set_values(Profile, ("reputation", "level"), changed)
    report.profiles_fixed = len(changed)


def snapshot() -> dict:
    """The reputation state as data, to compare two ways of computing it (tests, bench)."""
    events = sorted(
        ReputationEvent.objects.live().values_list(
            "content_type_id", "object_id", "actor_id", "reason", "user_id", "category_id", "product_id", "points",
            "delta", "created"),
        key=lambda row: (row[0], row[1], row[2] or 0, row[3]),
    )
    return {
        "events": events,
        "totals": dict(ReputationTotal.objects.exclude(points=0).values_list("user_id", "points")),
        "categories": {(u, c): p for u, c, p in CategoryReputation.objects.exclude(points=0)
                       .values_list("user_id", "category_id", "points")},
        "profiles": {u: (r, lv, tuple(e["id"] for e in ec)) for u, r, lv, ec in Profile.objects.values_list(
            "user_id", "reputation", "level", "expert_categories")},
    }
