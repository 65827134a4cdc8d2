"""The ledger engine: bring the live ledger in line with what the rules say is due.

:func:`reconcile` is the one write path of reputation. Given the scopes a change touched
(one vote, one content, one voter), it compares the entitlements (:mod:`experts.sources`) with
the live events of those scopes, reverses what is no longer due, writes what is newly due,
re-applies the daily cap to every (user, day) touched, and moves the stored totals, the
profile's reputation and level, and the Expert statuses — all in the caller's transaction.

The daily cap is a pure function of the user's live capped gains of one calendar day (in
``TIME_ZONE``), taken in a fixed order (time, then source): when a gain is reversed, or a
restored content's gains come back into a past day, the day is recomputed and any event whose
capped amount changes is reversed and written anew. So the live ledger depends only on the
current state, never on the order things happened in — which is what lets
``rebuild_reputation`` reproduce it exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from community.accounts.models import Profile
from experts import sources
from experts.models import CAP_EXEMPT_REASONS, CategoryReputation, ReputationEvent, ReputationTotal
from experts.rules import Rules
from experts.sources import Entitlement, event_attrs, event_key

CAP_RECOMPUTED = "daily cap recomputed"


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def order_key(item: Entitlement) -> tuple:
    return (item.created, item.content_type_id, item.object_id, item.actor_id or 0, item.reason)


def capped_deltas(items: Iterable[Entitlement], cap: int) -> dict[tuple, int]:
    """What each entitlement actually gives: capped gains share ``cap`` per user and day, in
    time order; everything else gives its points."""
    result: dict[tuple, int] = {}
    days: dict[tuple[int, date], list[Entitlement]] = defaultdict(list)
    for item in items:
        if item.capped:
            days[(item.user_id, local_day(item.created))].append(item)
        else:
            result[item.key] = item.points
    for group in days.values():
        group.sort(key=order_key)
        used = 0
        for item in group:
            got = max(0, min(item.points, cap - used))
            used += got
            result[item.key] = got
    return result


@dataclass
class Outcome:
    """What one reconciliation changed."""

    added: list[ReputationEvent] = field(default_factory=list)
    reversed: list[ReputationEvent] = field(default_factory=list)
    pairs: set[tuple[int, int]] = field(default_factory=set)
    status_changes: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.reversed)


def reconcile(*, scopes: list[sources.Scope], ctx: sources.Context, why: str,
              extra_pairs: Iterable[tuple[int, int]] = ()) -> Outcome:
    """Make the live ledger of ``scopes`` equal to what is due, and everything stored follow.

    Guarantees, inside one transaction (the caller's, or its own): reversed events get
    ``reversed_at`` = now and ``why`` (or "daily cap recomputed"); new events are written after
    the reversals they replace (one live event per source, actor and reason); the users'
    ``ReputationTotal``, ``CategoryReputation``, ``Profile.reputation``/``level`` move by exactly
    the net change, under a row lock per user taken in user-id order; the Expert status of every
    (user, category) touched — and of ``extra_pairs`` — is re-checked. Idempotent: a second call
    with the same state changes nothing.
    """
    with transaction.atomic():
        return _reconcile(scopes=scopes, ctx=ctx, why=why, extra_pairs=set(extra_pairs))


def _reconcile(*, scopes, ctx, why, extra_pairs) -> Outcome:
    outcome = Outcome()
    due = {item.key: item for item in sources.desired(scopes, ctx)}
    q = Q()
    for scope in scopes:
        q |= scope.existing_q()
    to_reverse, to_add = _difference(due, q if scopes else None)
    outcome.pairs |= extra_pairs
    if to_reverse or to_add:
        users = {e.user_id for e in to_reverse} | {d.user_id for d in to_add}
        totals = lock_users(users)
        # Read again under the users' locks: a concurrent reconciliation of the same change (a
        # retried request) has committed by now, and its events must not be written twice.
        to_reverse, to_add = _difference(due, q)
        more = ({e.user_id for e in to_reverse} | {d.user_id for d in to_add}) - users
        if more:
            totals.update(lock_users(more))
        reverse_why: dict[int, str] = {e.pk: why for e in to_reverse}
        new_events: list[ReputationEvent] = []
        for item in to_add:
            if not item.capped:
                new_events.append(_event(item, item.points))
        # Re-apply the cap to every (user, day) with a capped gain coming or going.
        days = {(e.user_id, local_day(e.created)) for e in to_reverse if _is_capped_event(e)}
        days |= {(d.user_id, local_day(d.created)) for d in to_add if d.capped}
        adding_by_day: dict[tuple[int, date], list[Entitlement]] = defaultdict(list)
        for item in to_add:
            if item.capped:
                adding_by_day[(item.user_id, local_day(item.created))].append(item)
        leaving = {e.pk for e in to_reverse}
        for user_id, day in sorted(days):
            start, end = day_bounds(day)
            staying = [
                e for e in ReputationEvent.objects.live().filter(
                    user_id=user_id, created__gte=start, created__lt=end, points__gt=0,
                ).exclude(reason__in=CAP_EXEMPT_REASONS)
                if e.pk not in leaving
            ]
            coming = adding_by_day.get((user_id, day), [])
            deltas = capped_deltas([Entitlement.of_event(e) for e in staying] + coming, ctx.rules.daily_cap)
            for event in staying:
                if deltas[event_key(event)] != event.delta:
                    reverse_why[event.pk] = CAP_RECOMPUTED
                    to_reverse.append(event)
                    new_events.append(_event(Entitlement.of_event(event), deltas[event_key(event)]))
            new_events.extend(_event(item, deltas[item.key]) for item in coming)
        _write(to_reverse, reverse_why, new_events, now=ctx.now)
        outcome.added, outcome.reversed = new_events, to_reverse
        _move_totals(to_reverse, new_events, totals, ctx.rules)
        outcome.pairs |= {(e.user_id, e.category_id) for e in [*to_reverse, *new_events] if e.category_id}
    if outcome.pairs:
        from experts import status

        outcome.status_changes = status.refresh(pairs=outcome.pairs, rules=ctx.rules, now=ctx.now)
    return outcome


def _difference(due: dict[tuple, Entitlement], q: Q | None) -> tuple[list[ReputationEvent], list[Entitlement]]:
    """The live events to reverse and the entitlements to write so that the ledger is ``due``."""
    existing = {event_key(e): e for e in ReputationEvent.objects.live().filter(q)} if q is not None else {}
    to_reverse = [e for k, e in existing.items() if k not in due or due[k].attrs != event_attrs(e)]
    to_add = [d for k, d in due.items() if k not in existing or d.attrs != event_attrs(existing[k])]
    return to_reverse, to_add


def _is_capped_event(event: ReputationEvent) -> bool:
    return event.points > 0 and event.reason not in CAP_EXEMPT_REASONS


def _event(item: Entitlement, delta: int) -> ReputationEvent:
    return ReputationEvent(
        user_id=item.user_id, actor_id=item.actor_id, reason=item.reason, content_type_id=item.content_type_id,
        object_id=item.object_id, category_id=item.category_id, product_id=item.product_id, points=item.points,
        delta=delta, created=item.created,
    )


def _write(to_reverse: list[ReputationEvent], reverse_why: dict[int, str], new_events: list[ReputationEvent],
           *, now: datetime) -> None:
    """Reverse first, then insert: the partial unique index admits one live event per key."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for event in to_reverse:
        by_reason[reverse_why[event.pk]].append(event.pk)
        event.reversed_at, event.reversal_reason = now, reverse_why[event.pk]
    for text, ids in by_reason.items():
        ReputationEvent.objects.filter(pk__in=ids, reversed_at__isnull=True).update(
            reversed_at=now, reversal_reason=text[:255])
    if new_events:
        ReputationEvent.objects.bulk_create(new_events)


def lock_users(user_ids: Iterable[int]) -> dict[int, ReputationTotal]:
    """Create the users' total rows if missing and lock them, in user-id order (no deadlocks)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    ReputationTotal.objects.bulk_create([ReputationTotal(user_id=pk) for pk in ids], ignore_conflicts=True)
    return {t.user_id: t for t in ReputationTotal.objects.select_for_update().filter(user_id__in=ids).order_by("user_id")}


def _move_totals(reversed_events: list[ReputationEvent], new_events: list[ReputationEvent],
                 totals: dict[int, ReputationTotal], rules: Rules) -> None:
    by_user: dict[int, int] = defaultdict(int)
    by_pair: dict[tuple[int, int], int] = defaultdict(int)
    for sign, events in ((-1, reversed_events), (1, new_events)):
        for event in events:
            by_user[event.user_id] += sign * event.delta
            if event.category_id:
                by_pair[(event.user_id, event.category_id)] += sign * event.delta
    for user_id, change in by_user.items():
        total = totals[user_id]
        if change:
            total.points += change
            ReputationTotal.objects.filter(user_id=user_id).update(points=F("points") + change)
        set_profile_reputation(user_id, total.points, rules)
    missing = [CategoryReputation(user_id=u, category_id=c) for (u, c), change in by_pair.items() if change]
    if missing:
        CategoryReputation.objects.bulk_create(missing, ignore_conflicts=True)
    for (user_id, category_id), change in by_pair.items():
        if change:
            CategoryReputation.objects.filter(user_id=user_id, category_id=category_id).update(
                points=F("points") + change)


def recount_category_totals(*, user_ids: Iterable[int], category_ids: Iterable[int]) -> None:
    """Set ``CategoryReputation`` of these users in these categories to the sum of their live
    deltas there (after ledger rows changed category). Call with the users' totals locked."""
    user_ids, category_ids = sorted(set(user_ids)), sorted(set(category_ids))
    if not user_ids or not category_ids:
        return
    due = {(u, c): p for u, c, p in ReputationEvent.objects.live().filter(
        user_id__in=user_ids, category_id__in=category_ids).values("user_id", "category_id").order_by()
        .annotate(points=Sum("delta")).values_list("user_id", "category_id", "points")}
    stored = {(row.user_id, row.category_id): row for row in CategoryReputation.objects.select_for_update().filter(
        user_id__in=user_ids, category_id__in=category_ids).order_by("user_id", "category_id")}
    changed = []
    for pair, row in stored.items():
        if row.points != due.get(pair, 0):
            row.points = due.get(pair, 0)
            changed.append(row)
    CategoryReputation.objects.bulk_update(changed, ["points"])
    CategoryReputation.objects.bulk_create(
        [CategoryReputation(user_id=u, category_id=c, points=p) for (u, c), p in sorted(due.items())
         if (u, c) not in stored and p], ignore_conflicts=False)


def set_profile_reputation(user_id: int, points: int, rules: Rules) -> None:
    """The profile's copy: reputation ``max(floor, floor + points)`` and its level."""
    reputation = rules.reputation_for(points)
    Profile.objects.filter(user_id=user_id).exclude(
        reputation=reputation, level=rules.level_for(reputation),
    ).update(reputation=reputation, level=rules.level_for(reputation))
