"""Recompute Q&A's stored counters from the rows they count.

The services keep the counters right incrementally; this is the check and the repair
(``manage.py rebuild_qa_aggregates``). Each counter is recomputed in SQL with correlated
subqueries, so the rebuild runs in a fixed number of statements whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from community.moderation.models import Status
from community.qa.models import Answer, AnswerVote, Question, QuestionVote


@dataclass
class RebuildReport:
    questions: int
    answers: int
    questions_fixed: int
    answers_fixed: int


def expected_question_counters() -> dict[str, object]:
    """Expressions of what ``answer_count`` and ``vote_score`` must be, for ``annotate``/``update``."""
    answers = (
        Answer.objects.filter(question=OuterRef("pk"), status=Status.PUBLISHED)
        .order_by().values("question").annotate(n=Count("pk")).values("n")
    )
    votes = (
        QuestionVote.objects.filter(question=OuterRef("pk"))
        .order_by().values("question").annotate(n=Count("pk")).values("n")
    )
    return {
        "answer_count": Coalesce(Subquery(answers, output_field=IntegerField()), Value(0)),
        "vote_score": Coalesce(Subquery(votes, output_field=IntegerField()), Value(0)),
    }


def expected_answer_counters() -> dict[str, object]:
    """Expressions of what ``up_count``, ``down_count`` and ``score`` must be."""

    def votes(value: int) -> Coalesce:
        counted = (
            AnswerVote.objects.filter(answer=OuterRef("pk"), value=value)
            .order_by().values("answer").annotate(n=Count("pk")).values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    return {"up_count": votes(1), "down_count": votes(-1), "score": votes(1) - votes(-1)}


def _drifted(model, expected: dict[str, object]):
    """Rows of ``model`` whose stored counters differ from their recount."""
    queryset = model.objects.alias(**{f"expected_{name}": expression for name, expression in expected.items()})
    condition = Q()
    for name in expected:
        condition |= ~Q(**{name: F(f"expected_{name}")})
    return queryset.filter(condition)


def rebuild(*, dry_run: bool = False) -> RebuildReport:
    """Compare every stored counter with its recount and fix what differs.

    Returns how many rows there are and how many were wrong (and, unless ``dry_run``, fixed).
    """
    with transaction.atomic():
        question_expected = expected_question_counters()
        answer_expected = expected_answer_counters()
        questions_fixed = _drifted(Question, question_expected).count()
        answers_fixed = _drifted(Answer, answer_expected).count()
        if not dry_run:
            if questions_fixed:
                Question.objects.filter(pk__in=_drifted(Question, question_expected).values("pk")).update(
                    **expected_question_counters()
                )
            if answers_fixed:
                Answer.objects.filter(pk__in=_drifted(Answer, answer_expected).values("pk")).update(
                    **expected_answer_counters()
                )
        return RebuildReport(
            questions=Question.objects.count(), answers=Answer.objects.count(),
            questions_fixed=questions_fixed, answers_fixed=answers_fixed,
        )
