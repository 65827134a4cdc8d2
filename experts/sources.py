"""What reputation the content and votes of reviews and Q&A are worth, by the rules.

It turns the current state of reviews and Q&A — votes, statuses, the accepted answer, upheld
reports — into :class:`Entitlement`\\ s: the ledger events that *should* be live. The same
functions serve the incremental path (a :class:`Scope`: one content, optionally one voter) and
the full rebuild (no filter), so the two cannot disagree about the rules. Other reads of reviews
and Q&A live beside it by job: :mod:`experts.selectors` (Expert criteria, badges, profiles),
:mod:`experts.fraud` (votes as fraud detection sees them), :mod:`experts.votes` (the admin's
"who voted").

Rules applied here:

* a vote earns only on published content (an answer also needs its question published),
  never on one's own, and only when the voter's account was at least ``voter_min_age_hours``
  old when voting and has a confirmed email; votes reversed by a fraud case earn nothing;
* the accepted answer earns its author ``answer_accepted`` and the asker
  ``answer_accepted_asker`` (not when one accepts one's own answer);
* content a moderator takes down (hidden, removed, rejected) with an upheld spam or
  offensive report costs its author ``flag_upheld`` once, while it stays down.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Value

from community.moderation.models import Flag, FlagReason, Status
from community.qa.models import Answer, AnswerVote, Question, QuestionVote, VoteValue
from experts.models import CAP_EXEMPT_REASONS, FraudulentVote, Reason, ReputationEvent
from experts.rules import Rules
from reviews.models import Review, ReviewVote

CHUNK = 20_000
STRIKE_FLAG_REASONS = (FlagReason.SPAM, FlagReason.OFFENSIVE)
TAKEN_DOWN = frozenset({Status.HIDDEN, Status.REMOVED, Status.REJECTED})

REVIEW, ANSWER, QUESTION = "review", "answer", "question"
VOTES, ACCEPT, PENALTY = "votes", "accept", "penalty"
MODELS = {REVIEW: Review, ANSWER: Answer, QUESTION: Question}
VOTE_MODELS = {REVIEW: ReviewVote, ANSWER: AnswerVote, QUESTION: QuestionVote}
VOTE_TARGET = {REVIEW: "review", ANSWER: "answer", QUESTION: "question"}
PARTS = {REVIEW: frozenset({VOTES, PENALTY}), ANSWER: frozenset({VOTES, ACCEPT, PENALTY}),
         QUESTION: frozenset({VOTES, PENALTY})}
PART_REASONS = {
    (REVIEW, VOTES): (Reason.REVIEW_HELPFUL, Reason.REVIEW_UNHELPFUL),
    (ANSWER, VOTES): (Reason.ANSWER_UP, Reason.ANSWER_DOWN),
    (QUESTION, VOTES): (Reason.QUESTION_UP,),
    (ANSWER, ACCEPT): (Reason.ANSWER_ACCEPTED, Reason.ANSWER_ACCEPTED_ASKER),
    (REVIEW, PENALTY): (Reason.FLAG_UPHELD,),
    (ANSWER, PENALTY): (Reason.FLAG_UPHELD,),
    (QUESTION, PENALTY): (Reason.FLAG_UPHELD,),
}


def content_type_id(kind: str) -> int:
    return ContentType.objects.get_for_model(MODELS[kind]).pk


def kind_of(content) -> str | None:
    """``"review"``, ``"answer"``, ``"question"`` for content that earns reputation, else None."""
    for kind, model in MODELS.items():
        if isinstance(content, model):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class Entitlement:
    """A ledger event that should be live, before the daily cap."""

    user_id: int
    actor_id: int | None
    reason: str
    content_type_id: int
    object_id: int
    category_id: int | None
    product_id: int | None
    points: int
    created: datetime

    @property
    def key(self) -> tuple:
        """Identity: at most one live event per key (a database constraint says so too)."""
        return (self.content_type_id, self.object_id, self.actor_id, self.reason)

    @property
    def attrs(self) -> tuple:
        return (self.user_id, self.category_id, self.product_id, self.points, self.created)

    @property
    def capped(self) -> bool:
        """Whether the daily cap limits it: gains, except accepted answers."""
        return self.points > 0 and self.reason not in CAP_EXEMPT_REASONS

    @classmethod
    def of_event(cls, event: ReputationEvent) -> Entitlement:
        return cls(event.user_id, event.actor_id, event.reason, event.content_type_id, event.object_id,
                   event.category_id, event.product_id, event.points, event.created)


def event_key(event: ReputationEvent) -> tuple:
    return (event.content_type_id, event.object_id, event.actor_id, event.reason)


def event_attrs(event: ReputationEvent) -> tuple:
    return (event.user_id, event.category_id, event.product_id, event.points, event.created)


@dataclass(frozen=True)
class Scope:
    """What one change may affect: one content (optionally only one voter's vote, or some parts
    of it), or — with ``object_id`` None and ``voter_id`` set — every vote of one voter."""

    kind: str
    object_id: int | None = None
    voter_id: int | None = None
    parts: frozenset[str] | None = None

    def active_parts(self) -> frozenset[str]:
        parts = PARTS[self.kind] if self.parts is None else self.parts & PARTS[self.kind]
        if self.voter_id is not None:
            parts = parts & {VOTES}
        return parts

    def reasons(self) -> list[str]:
        return [r for part in self.active_parts() for r in PART_REASONS[(self.kind, part)]]

    def existing_q(self) -> Q:
        """The live ledger events this scope owns."""
        q = Q(content_type_id=content_type_id(self.kind), reason__in=self.reasons())
        if self.object_id is not None:
            q &= Q(object_id=self.object_id)
        if self.voter_id is not None:
            q &= Q(actor_id=self.voter_id)
        return q


def voter_scopes(voter_id: int) -> list[Scope]:
    """Every vote one user cast (their email was confirmed, their account deleted…)."""
    return [Scope(kind, voter_id=voter_id) for kind in (REVIEW, ANSWER, QUESTION)]


def content_scopes(content) -> list[Scope]:
    """Everything one content earns; a question's answers depend on it, so they come along."""
    kind = kind_of(content)
    if kind is None:
        return []
    scopes = [Scope(kind, content.pk)]
    if kind == QUESTION:
        scopes += [Scope(ANSWER, pk) for pk in Answer.objects.filter(question_id=content.pk).values_list("pk", flat=True)]
    return scopes


@dataclass
class Context:
    """What the rules need besides the content's state.

    ``removed``: content being deleted right now (nothing of it is due, whatever its row says);
    ``upholding``: content a moderator is taking down, whose open reports are being upheld;
    ``accepting``: answers being accepted now (the acceptance is timed ``now``);
    ``fraud``: (content type, object, voter) of votes a fraud case reversed — None loads them;
    ``gone_users``: accounts being deleted (nothing they did earns anyone anything).
    """

    rules: Rules
    now: datetime
    removed: set[tuple[int, int]] = field(default_factory=set)
    upholding: set[tuple[int, int]] = field(default_factory=set)
    accepting: set[int] = field(default_factory=set)
    fraud: set[tuple[int, int, int]] | None = None
    accepted_times: dict[int, datetime] | None = None
    gone_users: set[int] = field(default_factory=set)


# --- entitlements ------------------------------------------------------------------------------


def desired(scopes: Iterable[Scope], ctx: Context) -> Iterator[Entitlement]:
    """The entitlements of the given scopes, by the rules and the current state."""
    for scope in scopes:
        for part in scope.active_parts():
            yield from _PART_FUNCTIONS[part](scope, ctx)


def desired_everything(ctx: Context) -> Iterator[Entitlement]:
    """Every entitlement on the site (the full rebuild)."""
    for kind in (REVIEW, ANSWER, QUESTION):
        yield from desired([Scope(kind)], ctx)


def _scope_filter(scope: Scope, target: str) -> Q:
    q = Q()
    if scope.object_id is not None:
        q &= Q(**{f"{target}_id": scope.object_id})
    if scope.voter_id is not None:
        q &= Q(voter_id=scope.voter_id)
    return q


def _iterate(queryset, chunked: bool):
    return queryset.iterator(chunk_size=CHUNK) if chunked else queryset


def eligible_vote(rules: Rules) -> ExpressionWrapper:
    """In SQL: the voter's email is confirmed and their account was old enough when voting."""
    return ExpressionWrapper(
        Q(voter__profile__email_verified=True, created__gte=F("voter__date_joined") + rules.voter_min_age),
        output_field=BooleanField(),
    )


class VoteRow(NamedTuple):
    """One vote as the rules read it; the columns are selected in this order for every kind
    (a question vote's ``value`` is its question id: every such vote is "up")."""

    object_id: int
    voter_id: int
    eligible: bool
    fraud: bool
    moment: datetime
    value: object
    author_id: int
    status: str
    product_id: int | None
    category_id: int | None
    question_status: str | None = None  # answers only: their question must be published too
    question_id: int | None = None


def _vote_entitlements(scope: Scope, ctx: Context) -> Iterator[Entitlement]:
    rules, kind = ctx.rules, scope.kind
    ct = content_type_id(kind)
    target = VOTE_TARGET[kind]
    chunked = scope.object_id is None and scope.voter_id is None
    rows = VOTE_MODELS[kind].objects.filter(_scope_filter(scope, target)).annotate(eligible=eligible_vote(rules))
    fraud = ctx.fraud
    if fraud is None:  # one query: the fraud marks come along with the votes
        rows = rows.annotate(fraud=Exists(FraudulentVote.objects.filter(
            content_type_id=ct, object_id=OuterRef(f"{target}_id"), voter_id=OuterRef("voter_id"))))
    else:
        rows = rows.annotate(fraud=Value(False, output_field=BooleanField()))
    if kind == REVIEW:
        rows = rows.values_list(
            "review_id", "voter_id", "eligible", "fraud", "updated", "helpful",
            "review__author_id", "review__status", "review__product_id", "review__product__top_category_id",
        )
    elif kind == ANSWER:
        rows = rows.values_list(
            "answer_id", "voter_id", "eligible", "fraud", "updated", "value",
            "answer__author_id", "answer__status", "answer__question__product_id",
            "answer__question__product__top_category_id", "answer__question__status", "answer__question_id",
        )
    else:
        # A question vote's value is its question id, under another name: Django 5.2.0 drops a
        # column selected twice from values_list().
        rows = rows.annotate(vote_value=F("question_id")).values_list(
            "question_id", "voter_id", "eligible", "fraud", "created", "vote_value",
            "question__author_id", "question__status", "question__product_id", "question__product__top_category_id",
        )
    question_ct = content_type_id(QUESTION)
    removed, gone, published = ctx.removed, ctx.gone_users, Status.PUBLISHED
    reasons = {REVIEW: (Reason.REVIEW_UNHELPFUL, Reason.REVIEW_HELPFUL),
               ANSWER: (Reason.ANSWER_DOWN, Reason.ANSWER_UP), QUESTION: (Reason.QUESTION_UP, Reason.QUESTION_UP)}[kind]
    points_of = {reason: rules.points(reason) for reason in reasons}
    for values in _iterate(rows.order_by(), chunked):
        row = VoteRow(*values)
        if not row.eligible or row.fraud or row.status != published or row.voter_id == row.author_id:
            continue
        if (ct, row.object_id) in removed or row.voter_id in gone or row.author_id in gone:
            continue
        if kind == ANSWER and (row.question_status != published or (question_ct, row.question_id) in removed):
            continue
        if fraud and (ct, row.object_id, row.voter_id) in fraud:
            continue
        up = row.value is True or row.value == VoteValue.UP or kind == QUESTION
        reason = reasons[1] if up else reasons[0]
        points = points_of[reason]
        if points:
            yield Entitlement(row.author_id, row.voter_id, reason, ct, row.object_id, row.category_id,
                              row.product_id, points, row.moment)


def _accepted_times(ctx: Context, answer_ids: Iterable[int] | None) -> dict[int, datetime]:
    """When each answer was last accepted, as the ledger remembers it (Q&A stores no time)."""
    if ctx.accepted_times is not None:
        return ctx.accepted_times
    q = ReputationEvent.objects.filter(content_type_id=content_type_id(ANSWER), reason=Reason.ANSWER_ACCEPTED)
    if answer_ids is not None:
        q = q.filter(object_id__in=list(answer_ids))
    times: dict[int, datetime] = {}
    for object_id, created in q.order_by("recorded_at", "pk").values_list("object_id", "created"):
        times[object_id] = created  # the latest acceptance wins
    return times


def load_accepted_times(ctx: Context) -> None:
    """Preload every answer's acceptance time (the full rebuild)."""
    ctx.accepted_times = _accepted_times(ctx, None)


def _accept_entitlements(scope: Scope, ctx: Context) -> Iterator[Entitlement]:
    rules = ctx.rules
    ct = content_type_id(ANSWER)
    question_ct = content_type_id(QUESTION)
    q = Q(accepted_answer__isnull=False)
    if scope.object_id is not None:
        q &= Q(accepted_answer_id=scope.object_id)
    rows = list(Question.objects.filter(q).values_list(
        "accepted_answer_id", "accepted_answer__author_id", "accepted_answer__status", "accepted_answer__created",
        "pk", "author_id", "status", "product_id", "product__top_category_id",
    ).order_by())
    times = _accepted_times(ctx, [row[0] for row in rows] if scope.object_id else None)
    for (answer_id, answerer_id, answer_status, answered_at, question_id, asker_id, question_status, product_id,
         category_id) in rows:
        if answer_status != Status.PUBLISHED or question_status != Status.PUBLISHED or answerer_id == asker_id:
            continue
        if (ct, answer_id) in ctx.removed or (question_ct, question_id) in ctx.removed:
            continue
        if answerer_id in ctx.gone_users or asker_id in ctx.gone_users:
            continue
        accepted_at = ctx.now if answer_id in ctx.accepting else times.get(answer_id, answered_at)
        accepted_at = accepted_at or answered_at
        for user_id, actor_id, reason in ((answerer_id, asker_id, Reason.ANSWER_ACCEPTED),
                                          (asker_id, answerer_id, Reason.ANSWER_ACCEPTED_ASKER)):
            points = rules.points(reason)
            if points:
                yield Entitlement(user_id, actor_id, reason, ct, answer_id, category_id, product_id, points, accepted_at)


def _penalty_entitlements(scope: Scope, ctx: Context) -> Iterator[Entitlement]:
    points = ctx.rules.flag_upheld
    if not points:
        return
    kind = scope.kind
    ct = content_type_id(kind)
    model = MODELS[kind]
    product = "question__product" if kind == ANSWER else "product"
    q = Q(status__in=TAKEN_DOWN)
    if scope.object_id is not None:
        q &= Q(pk=scope.object_id)
    rows = {row[0]: row for row in model.objects.filter(q).values_list(
        "pk", "author_id", "moderated_at", f"{product}_id", f"{product}__top_category_id",
    ).order_by()}
    if not rows:
        return
    flags = Flag.objects.filter(content_type_id=ct, reason__in=STRIKE_FLAG_REASONS)
    if scope.object_id is not None:
        flags = flags.filter(object_id=scope.object_id)
    struck: set[int] = set()
    for object_id, resolved, upheld in flags.values_list("object_id", "resolved", "upheld").order_by():
        if upheld or (not resolved and (ct, object_id) in ctx.upholding):
            struck.add(object_id)
    for object_id in sorted(struck & set(rows)):
        if (ct, object_id) in ctx.removed:
            continue
        _pk, author_id, moderated_at, product_id, category_id = rows[object_id]
        yield Entitlement(author_id, None, Reason.FLAG_UPHELD, ct, object_id, category_id, product_id, points,
                          moderated_at or ctx.now)


_PART_FUNCTIONS = {VOTES: _vote_entitlements, ACCEPT: _accept_entitlements, PENALTY: _penalty_entitlements}


def author_and_category(kind: str, object_id: int) -> tuple[int, int | None] | None:
    """The content's author and its top-level category (one query), or None if it is gone."""
    product = "question__product" if kind == ANSWER else "product"
    return MODELS[kind].objects.filter(pk=object_id).values_list(
        "author_id", f"{product}__top_category_id").first()
