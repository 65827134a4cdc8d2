"""Every write path of reputation, Expert status and badges.

* ``reputation_for_*`` — called by the receivers of the domain events (:mod:`experts.receivers`)
  inside the sender's transaction: they reconcile the ledger of what changed
  (:func:`experts.ledger.reconcile`) and re-check the Expert status it touches.
* ``expert_grant`` / ``expert_revoke`` / ``expert_follow_rules`` — a moderator's override,
  with a required reason, audit-logged.
* ``experts_check`` — the nightly re-check (grace periods run out without any event).
* ``badges_award`` — milestone badges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from community.catalog.models import CategoryPage
from community.moderation.models import Action
from community.moderation.services import can_moderate
from experts import ledger, selectors, sources, status
from experts.models import Badge, CategoryReputation, ExpertStatus, Override, ReputationEvent, UserBadge
from experts.rules import Rules, current_rules
from reviews.models import Review

OVERRIDE_ACTIONS = {
    Override.GRANT: "experts.grant",
    Override.REVOKE: "experts.revoke",
    Override.NONE: "experts.follow_rules",
}
REASON_MAX_LENGTH = 1000


class ExpertError(Exception):
    """A request about Expert status that cannot be carried out; the message is for the user."""


def _context(rules: Rules | None = None, now: datetime | None = None, **kwargs) -> sources.Context:
    return sources.Context(rules=rules or current_rules(), now=now or timezone.now(), **kwargs)


# --- reputation (called by the receivers) ---------------------------------------------------------


def reputation_for_vote(*, kind: str, object_id: int, voter_id: int, now: datetime | None = None) -> ledger.Outcome:
    """A vote was cast, changed or withdrawn: its old event is reversed, the new one written.

    The content's author's Expert status is re-checked even when the ledger does not move
    (a vote by a new account changes a review's helpful score all the same).
    """
    pair = sources.author_and_category(kind, object_id)
    return ledger.reconcile(
        scopes=[sources.Scope(kind, object_id, voter_id=voter_id)], ctx=_context(now=now),
        why="vote changed or withdrawn", extra_pairs=[pair] if pair else [],
    )


def reputation_for_content(*, content, removed: bool = False, upholding: bool = False,
                           now: datetime | None = None) -> ledger.Outcome:
    """Content was published, taken down, restored or deleted: its events follow.

    ``removed``: the content is being deleted (its row may still say "published");
    ``upholding``: a moderator is taking it down and its open reports are being upheld.
    Removal reverses all its events, restoration replays them (with their original times).
    The author's Expert statuses are all re-checked (a strike affects every category).
    """
    kind = sources.kind_of(content)
    if kind is None:
        return ledger.Outcome()
    ct = sources.content_type_id(kind)
    ctx = _context(now=now, removed={(ct, content.pk)} if removed else set(),
                   upholding={(ct, content.pk)} if upholding else set())
    pairs = set()
    if getattr(content, "author_id", None):
        pairs |= _status_pairs_of(content.author_id)
        found = sources.author_and_category(kind, content.pk)
        if found:
            pairs.add(found)
    return ledger.reconcile(scopes=sources.content_scopes(content), ctx=ctx,
                            why="content removed" if removed else "content status changed", extra_pairs=pairs)


def reputation_for_acceptance(*, answer, previous_answer=None, now: datetime | None = None) -> ledger.Outcome:
    """The asker accepted ``answer`` (instead of ``previous_answer``)."""
    scopes = [sources.Scope(sources.ANSWER, answer.pk, parts=frozenset({sources.ACCEPT}))]
    if previous_answer is not None and previous_answer.pk != answer.pk:
        scopes.append(sources.Scope(sources.ANSWER, previous_answer.pk, parts=frozenset({sources.ACCEPT})))
    return ledger.reconcile(scopes=scopes, ctx=_context(now=now, accepting={answer.pk}),
                            why="accepted answer changed")


def reputation_for_voter(*, voter_id: int, why: str = "voter's account changed") -> ledger.Outcome:
    """Every vote of one voter is re-weighed (their email was confirmed)."""
    return ledger.reconcile(scopes=sources.voter_scopes(voter_id), ctx=_context(), why=why)


def reputation_for_deleted_account(*, user_id: int) -> ledger.Outcome:
    """An account is being deleted: what it gave others is reversed before its rows go.

    Its votes, the acceptances it was party to, and the answers under its questions (deleted
    with them) stop counting; its own events and totals are deleted with the account.
    """
    from community.qa.models import Question
    from experts.models import Reason, ReputationEvent

    scopes = sources.voter_scopes(user_id)
    answers = set(ReputationEvent.objects.live().filter(
        actor_id=user_id, reason__in=[Reason.ANSWER_ACCEPTED, Reason.ANSWER_ACCEPTED_ASKER],
    ).values_list("object_id", flat=True))
    scopes += [sources.Scope(sources.ANSWER, pk, parts=frozenset({sources.ACCEPT})) for pk in sorted(answers)]
    question_ct = sources.content_type_id(sources.QUESTION)
    removed = set()
    for question in Question.objects.filter(author_id=user_id).only("pk"):
        removed.add((question_ct, question.pk))
        scopes += sources.content_scopes(question)
    ctx = _context(gone_users={user_id}, removed=removed)
    return ledger.reconcile(scopes=scopes, ctx=ctx, why="account deleted")


def reputation_for_category_moves(*, moves: dict[int, tuple[int | None, int | None]],
                                  now: datetime | None = None) -> set[tuple[int, int]]:
    """Products changed top-level category (a catalog move): re-key what reputation keys on it.

    The ledger rows of those products (live and reversed) take the new category — the one
    change to a ledger row besides reversing it, since the category is where the product *is*,
    not a fact of the event — then the per-category totals of every user concerned are
    recounted for the old and new categories and their Expert statuses re-checked there
    (their reviews moved too). Call inside the catalog's transaction (the receiver of
    ``product_category_changed`` is). Returns the (user, category) pairs re-checked.
    """
    if not moves:
        return set()
    rules, now = current_rules(), now or timezone.now()
    product_ids = sorted(moves)
    categories = {c for pair in moves.values() for c in pair if c}
    user_ids = set(ReputationEvent.objects.filter(product_id__in=product_ids).values_list("user_id", flat=True)
                   .order_by().distinct())
    user_ids |= set(Review.objects.filter(product_id__in=product_ids).values_list("author_id", flat=True)
                    .order_by().distinct())
    ledger.lock_users(user_ids)  # the ledger's lock order: user totals first
    by_category: dict[int | None, list[int]] = {}
    for product_id, (_previous, current) in moves.items():
        by_category.setdefault(current, []).append(product_id)
    for category_id, ids in sorted(by_category.items(), key=lambda item: item[0] or 0):
        ReputationEvent.objects.filter(product_id__in=ids).exclude(category_id=category_id).update(
            category_id=category_id)
    ledger.recount_category_totals(user_ids=user_ids, category_ids=categories)
    pairs = {(u, c) for u in user_ids for c in categories}
    status.refresh(pairs=pairs, rules=rules, now=now)
    return pairs


def upholds_reports(*, content, action: str, moderator) -> bool:
    """Whether a moderation action upholds the content's open reports (see ``moderation.services``):
    a moderator — not the author deleting their own — hiding, removing or rejecting it."""
    return (action in (Action.HIDE, Action.REMOVE, Action.REJECT) and moderator is not None
            and moderator.pk != getattr(content, "author_id", None))


def _status_pairs_of(user_id: int) -> set[tuple[int, int]]:
    return set(ExpertStatus.objects.filter(user_id=user_id).values_list("user_id", "category_id"))


# --- Expert status: moderators' overrides -----------------------------------------------------------


def _check_override(*, moderator, category, reason: str) -> str:
    if not can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can change Expert status."))
    reason = (reason or "").strip()
    if not reason:
        raise ExpertError(_("Give a reason: it is kept in the audit log."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ExpertError(_("The reason must be at most %(max)d characters.") % {"max": REASON_MAX_LENGTH})
    if not isinstance(category, CategoryPage) or not category.is_top_level:
        raise ExpertError(_("Expert status is given per top-level category."))
    return reason


def expert_override(*, moderator, user, category: CategoryPage, override: str, reason: str,
                    now: datetime | None = None) -> ExpertStatus:
    """Pin ``user``'s Expert status in ``category`` on (grant), off (revoke), or back to the rules.

    Requires a moderator and a reason (audit-logged with both). Takes effect at once: the
    profile's badges, the user's stored links and ``expert_status_changed`` follow in the same
    transaction. Raises ``PermissionDenied`` or :class:`ExpertError`.
    """
    reason = _check_override(moderator=moderator, category=category, reason=reason)
    if override not in Override.values:
        raise ExpertError(_("Unknown action."))
    now = now or timezone.now()
    rules = current_rules()
    with transaction.atomic():
        ledger.lock_users([user.pk])
        entry = ExpertStatus.objects.select_for_update().filter(user=user, category=category).first()
        if entry is None:
            entry = ExpertStatus(user=user, category=category)
        if override == Override.NONE and entry.override == Override.NONE:
            raise ExpertError(_("This status already follows the rules."))
        entry.override, entry.override_reason = override, reason if override else ""
        entry.override_by, entry.override_at = (moderator, now) if override else (None, None)
        criteria = status.evaluate(user_id=user.pk, category_id=category.pk, rules=rules, now=now)
        change = status.decide(entry, criteria, rules=rules, now=now)
        entry.criteria, entry.checked_at = criteria.as_dict(), now
        entry.full_clean(exclude=["user", "category", "override_by"])
        entry.save()
        log(instance=entry, action=OVERRIDE_ACTIONS[override], user=moderator,
            title=f"{user.get_username()} — {category.title}"[:255],
            data={"reason": reason, "is_expert": entry.is_expert, "criteria": entry.criteria})
        if change:
            change.reason = reason
            status.apply_changes([change], actor=moderator)
    return entry


def expert_grant(*, moderator, user, category: CategoryPage, reason: str) -> ExpertStatus:
    """A moderator makes ``user`` an Expert of ``category`` whatever the criteria say."""
    return expert_override(moderator=moderator, user=user, category=category, override=Override.GRANT, reason=reason)


def expert_revoke(*, moderator, user, category: CategoryPage, reason: str) -> ExpertStatus:
    """A moderator takes the status away, and the rules cannot give it back until cleared."""
    return expert_override(moderator=moderator, user=user, category=category, override=Override.REVOKE, reason=reason)


def expert_follow_rules(*, moderator, user, category: CategoryPage, reason: str) -> ExpertStatus:
    """A moderator lifts their override: the criteria decide again (lifting a grant from someone
    who does not meet them starts the grace period)."""
    return expert_override(moderator=moderator, user=user, category=category, override=Override.NONE, reason=reason)


# --- the nightly re-check -------------------------------------------------------------------------


@dataclass
class CheckReport:
    checked: int = 0
    gained: int = 0
    lost: int = 0
    titles_updated: int = 0


def experts_check(*, now: datetime | None = None, batch: int = 1000) -> CheckReport:
    """Re-check every status and every candidate (reputation in a category ≥ the threshold).

    Grace periods that ran out are ended, statuses whose criteria are met again are confirmed,
    renamed categories are renamed in profiles. Idempotent; each batch is its own transaction.
    """
    now = now or timezone.now()
    rules = current_rules()
    report = CheckReport()
    pairs = set(ExpertStatus.objects.values_list("user_id", "category_id"))
    pairs |= set(CategoryReputation.objects.filter(points__gte=rules.expert_reputation)
                 .values_list("user_id", "category_id"))
    ordered = sorted(pairs)
    for start in range(0, len(ordered), batch):
        chunk = ordered[start:start + batch]
        with transaction.atomic():
            ledger.lock_users({u for u, _c in chunk})
            changes = status.refresh(pairs=chunk, rules=rules, now=now)
        report.checked += len(chunk)
        report.gained += sum(1 for c in changes if c.gained)
        report.lost += sum(1 for c in changes if not c.gained)
    report.titles_updated = _refresh_category_titles()
    return report


def _refresh_category_titles() -> int:
    from community.accounts.models import Profile

    titles = dict(CategoryPage.objects.filter(depth=3).values_list("pk", "title"))
    updated = 0
    for profile in Profile.objects.exclude(expert_categories=[]).only("pk", "expert_categories"):
        fresh = [{"id": e["id"], "title": titles.get(e["id"], e["title"])} for e in profile.expert_categories]
        if fresh != profile.expert_categories:
            Profile.objects.filter(pk=profile.pk).update(expert_categories=fresh)
            updated += 1
    return updated


# --- badges ----------------------------------------------------------------------------------------


def badges_award(*, user_ids: Iterable[int], now: datetime | None = None) -> list[UserBadge]:
    """Award every active badge the users now qualify for (badges are kept once earned).

    Idempotent: the unique (user, badge) constraint and ``ignore_conflicts`` make a retry or a
    concurrent award harmless. Only metrics of badges a user lacks are counted.
    """
    ids = sorted({pk for pk in user_ids if pk})
    badges = list(Badge.objects.filter(is_active=True))
    if not ids or not badges:
        return []
    now = now or timezone.now()
    have = set(UserBadge.objects.filter(user_id__in=ids).values_list("user_id", "badge_id"))
    users = get_user_model().objects.select_related("profile").in_bulk(ids)
    awarded = []
    for user_id in ids:
        missing = [b for b in badges if (user_id, b.pk) not in have]
        if not missing or user_id not in users:
            continue
        counts = selectors.badge_metrics(user=users[user_id], metrics={b.metric for b in missing})
        awarded += [UserBadge(user_id=user_id, badge=b, awarded_at=now) for b in missing
                    if counts.get(b.metric, 0) >= b.threshold]
    if awarded:
        UserBadge.objects.bulk_create(awarded, ignore_conflicts=True)
    return awarded
