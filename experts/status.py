"""Per-category Expert status: the criteria, the grace period, overrides and their effects.

A user is an **Expert** of a top-level category when, by the rules (:class:`~experts.rules.Rules`):

* their reputation earned in it is ≥ ``expert_reputation``,
* from ≥ ``expert_voters`` distinct people (voters, and askers who accepted their answers),
* on ≥ ``expert_days`` distinct days (``TIME_ZONE``),
* they have ≥ ``expert_reviews`` published reviews in it with a Wilson helpful score
  ≥ ``expert_wilson``,
* and no upheld moderation strike (an upheld spam / offensive report) in ``expert_strike_days``.

When the criteria stop being met an Expert keeps the status for ``expert_grace_days``, then
loses it (re-checked after every relevant event and nightly by ``check_experts``). A
moderator's override pins the status on or off.

Every change of status updates ``Profile.expert_categories`` in the same transaction, is written
to Wagtail's audit log and sent as ``events.expert_status_changed``; when the user's links'
``nofollow`` changes, their stored HTML is re-rendered right after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from wagtail.log_actions import log

from community import events
from community.accounts.models import Profile
from community.catalog.models import CategoryPage
from experts import selectors
from experts.models import (
    ENDORSEMENT_REASONS,
    CategoryReputation,
    ExpertStatus,
    Override,
    Reason,
    ReputationEvent,
)
from experts.rules import Rules

GAINED_ACTION = "experts.status_gained"
LOST_ACTION = "experts.status_lost"


@dataclass(frozen=True)
class Criteria:
    reputation: int
    voters: int
    days: int
    reviews: int
    strike: bool

    def unmet(self, rules: Rules) -> list[str]:
        """The names of the criteria not met (empty: all met)."""
        missing = []
        if self.reputation < rules.expert_reputation:
            missing.append("reputation")
        if self.voters < rules.expert_voters:
            missing.append("voters")
        if self.days < rules.expert_days:
            missing.append("days")
        if self.reviews < rules.expert_reviews:
            missing.append("reviews")
        if self.strike:
            missing.append("strike")
        return missing

    def met(self, rules: Rules) -> bool:
        return not self.unmet(rules)

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(*, user_id: int, category_id: int, rules: Rules, now: datetime, points: int | None = None) -> Criteria:
    """The criteria of one (user, category) as they stand (four queries)."""
    known = None if points is None else {(user_id, category_id): points}
    return evaluate_many(pairs=[(user_id, category_id)], rules=rules, now=now, points=known)[(user_id, category_id)]


def evaluate_many(*, pairs: Iterable[tuple[int, int]], rules: Rules, now: datetime,
                  points: dict[tuple[int, int], int] | None = None) -> dict[tuple[int, int], Criteria]:
    """The criteria of many (user, category) pairs at once: four aggregate queries, whatever
    their number (the nightly check and the rebuild evaluate thousands)."""
    pairs = list(pairs)
    users, categories = {u for u, _c in pairs}, {c for _u, c in pairs}
    scope = Q(user_id__in=users, category_id__in=categories)
    if points is None:
        points = {(u, c): p for u, c, p in CategoryReputation.objects.filter(scope)
                  .values_list("user_id", "category_id", "points")}
    endorsements = ReputationEvent.objects.live().filter(scope, reason__in=ENDORSEMENT_REASONS, points__gt=0)
    day = TruncDate("created", tzinfo=timezone.get_current_timezone())
    counted = (endorsements.values("user_id", "category_id").order_by()
               .annotate(voters=Count("actor_id", distinct=True), days=Count(day, distinct=True))
               .values_list("user_id", "category_id", "voters", "days"))
    voters, days = {}, {}
    for u, c, n_voters, n_days in counted:
        voters[(u, c)], days[(u, c)] = n_voters, n_days
    reviews = selectors.well_rated_review_counts(user_ids=users, category_ids=categories, min_score=rules.expert_wilson)
    struck = set(ReputationEvent.objects.live().filter(
        user_id__in=users, reason=Reason.FLAG_UPHELD, created__gte=now - timedelta(days=rules.expert_strike_days),
    ).order_by().values_list("user_id", flat=True).distinct())
    return {
        (u, c): Criteria(reputation=points.get((u, c), 0), voters=voters.get((u, c), 0), days=days.get((u, c), 0),
                         reviews=reviews.get((u, c), 0), strike=u in struck)
        for u, c in pairs
    }


@dataclass
class Change:
    status: ExpertStatus
    gained: bool
    reason: str


def decide(status: ExpertStatus, criteria: Criteria | None, *, rules: Rules, now: datetime) -> Change | None:
    """Apply the rules (or the override) to ``status`` in memory; return the change, if any."""
    was = status.is_expert
    reason = ""
    if status.override == Override.GRANT:
        status.is_expert, status.grace_until, reason = True, None, status.override_reason
    elif status.override == Override.REVOKE:
        status.is_expert, status.grace_until, reason = False, None, status.override_reason
    elif criteria is not None and criteria.met(rules):
        status.is_expert, status.grace_until, reason = True, None, "criteria met"
    elif status.is_expert:
        if status.grace_until is None:
            status.grace_until = now + timedelta(days=rules.expert_grace_days)
        if now >= status.grace_until:
            status.is_expert, status.grace_until = False, None
            reason = "criteria not met for the grace period: " + ", ".join(criteria.unmet(rules) if criteria else [])
    if status.is_expert and not was:
        status.since = now
    if not status.is_expert:
        status.since = None
    if status.is_expert == was:
        return None
    return Change(status=status, gained=status.is_expert, reason=reason)


def refresh(*, pairs: Iterable[tuple[int, int]], rules: Rules, now: datetime, actor=None) -> list[Change]:
    """Re-check the Expert status of each (user, category) and apply what changes.

    Call inside a transaction. Pairs without a status row whose reputation in the category is
    below ``expert_reputation`` are skipped without further queries (the common case); the
    others are evaluated together (:func:`evaluate_many`).
    """
    pairs = {(u, c) for u, c in pairs if u and c}
    if not pairs:
        return []
    user_ids, category_ids = {u for u, _c in pairs}, {c for _u, c in pairs}
    statuses = {
        (s.user_id, s.category_id): s
        for s in ExpertStatus.objects.select_for_update().filter(user_id__in=user_ids, category_id__in=category_ids)
    }
    points = {
        (u, c): p for u, c, p in CategoryReputation.objects.filter(
            user_id__in=user_ids, category_id__in=category_ids).values_list("user_id", "category_id", "points")
    }
    todo = sorted(pair for pair in pairs if pair in statuses or points.get(pair, 0) >= rules.expert_reputation)
    if not todo:
        return []
    criteria = evaluate_many(pairs=todo, rules=rules, now=now, points=points)
    changes: list[Change] = []
    created, checked, at_risk = [], [], []
    for pair in todo:
        status = statuses.get(pair)
        if status is None:
            if not criteria[pair].met(rules):
                continue
            status = ExpertStatus(user_id=pair[0], category_id=pair[1])
            created.append(status)
        else:
            checked.append(status)
        grace_before = status.grace_until
        change = decide(status, criteria[pair], rules=rules, now=now)
        if change is None and status.is_expert and grace_before is None and status.grace_until is not None:
            at_risk.append(status)
        status.criteria, status.checked_at = criteria[pair].as_dict(), now
        if change:
            changes.append(change)
    ExpertStatus.objects.bulk_create(created)
    ExpertStatus.objects.bulk_update(checked, ["is_expert", "since", "grace_until", "criteria", "checked_at"],
                                     batch_size=500)
    apply_changes(changes, actor=actor)
    _announce_at_risk(at_risk)
    return changes


def _announce_at_risk(statuses: list[ExpertStatus]) -> None:
    """``expert_status_at_risk`` for each Expert whose grace period has just begun."""
    if not statuses:
        return
    users = get_user_model().objects.select_related("profile").in_bulk({s.user_id for s in statuses})
    categories = CategoryPage.objects.in_bulk({s.category_id for s in statuses})
    for status in statuses:
        events.expert_status_at_risk.send(sender=ExpertStatus, user=users[status.user_id],
                                          category=categories.get(status.category_id),
                                          grace_until=status.grace_until)


def apply_changes(changes: list[Change], *, actor=None) -> None:
    """Profiles, stored HTML, the audit log and ``expert_status_changed`` for each change."""
    if not changes:
        return
    user_ids = {c.status.user_id for c in changes}
    users = get_user_model().objects.select_related("profile").in_bulk(user_ids)
    categories = CategoryPage.objects.in_bulk({c.status.category_id for c in changes})
    for user_id in sorted(user_ids):
        before = bool(users[user_id].profile.expert_categories)
        after = update_profile_expert_categories(user_id)
        users[user_id].profile.expert_categories = after
        if before != bool(after):
            # Right after the commit, in a transaction of its own: rewriting the user's reviews and
            # answers here would lock content rows after user rows — the opposite of the order a
            # vote takes them in — and could deadlock with a concurrent vote.
            transaction.on_commit(partial(_rerender, user_id))
    for change in changes:
        user, category = users[change.status.user_id], categories.get(change.status.category_id)
        log(
            instance=change.status, action=GAINED_ACTION if change.gained else LOST_ACTION, user=actor,
            title=f"{user.get_username()} — {category.title if category else change.status.category_id}"[:255],
            data={"reason": change.reason, "criteria": change.status.criteria, "category": change.status.category_id},
        )
        events.expert_status_changed.send(sender=ExpertStatus, user=user, category=category, gained=change.gained,
                                          reason=change.reason)


def _rerender(user_id: int) -> None:
    from experts.html import rerender_user_html

    with transaction.atomic():
        rerender_user_html(user_id)


def update_profile_expert_categories(user_id: int) -> list[dict]:
    """Write the profile's ``expert_categories`` from the statuses; return the new list."""
    rows = (ExpertStatus.objects.filter(user_id=user_id, is_expert=True).select_related("category")
            .order_by("category__path"))
    value = [{"id": s.category_id, "title": s.category.title} for s in rows]
    Profile.objects.filter(user_id=user_id).update(expert_categories=value)
    return value
