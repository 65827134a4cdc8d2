"""The rebuild reproduces the incremental ledger and totals exactly, whatever happened before.

A long random sequence of real actions — votes, changed and withdrawn votes, accepted answers,
reports, moderators' removals and restorations, authors deleting their content, votes moved to
other days (so the daily cap bites differently), fraud reversals, late email confirmations —
goes through the reviews, Q&A and moderation services; then ``rebuild_reputation`` must find
nothing to fix, and a rebuild from scratch must produce the very same live ledger and totals.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.moderation import services as moderation
from community.moderation.services import ModerationError
from community.qa import services as qa_services
from community.qa.models import Answer, AnswerVote, Question, QuestionVote
from experts import services
from experts.fraud import detect_vote_fraud
from experts.models import CategoryReputation, ReputationEvent, ReputationTotal
from experts.rebuild import rebuild_reputation, snapshot
from reviews import services as review_services
from reviews.models import Review, ReviewVote
from tests import factories as site_factories
from tests.experts.factories import TEXT, a_moderator, person, set_rules

RULES = {
    "daily_cap": 25, "serial_votes": 3, "serial_window_hours": 24, "mutual_votes": 2, "mutual_window_days": 30,
    "expert_reputation": 20, "expert_voters": 2, "expert_days": 1, "expert_reviews": 1, "expert_wilson": 0.1,
}
ACTIONS = ["review_vote"] * 6 + ["answer_vote"] * 4 + ["question_vote"] * 2 + [
    "accept", "flag", "moderate", "moderate", "delete_review", "write_review", "delete_answer", "move", "move",
    "fraud", "confirm",
]


class World:
    """People and products made once per test; content made afresh for every sequence."""

    def __init__(self, page_tree):
        gaming, phones = page_tree["gaming"], page_tree["phones"]
        self.products = [*page_tree["products"], site_factories.product(phones, "Смартфон X")]
        self.people = [person(f"p{n}") for n in range(6)]
        self.people.append(person("unconfirmed", verified=False))
        self.people.append(person("young", days_old=0))
        self.moderator = a_moderator()
        del gaming

    def seed_content(self) -> None:
        for n, author in enumerate(self.people[:4]):
            for product in (self.products[n % 4], self.products[(n + 1) % 4]):
                review_services.review_create(author=author, product=product, rating=1 + n, title="Отзыв", text=TEXT)
        for n, product in enumerate(self.products[:3]):
            asked = qa_services.question_ask(author=self.people[n], product=product, title=f"Вопрос номер {n}")
            for answerer in (self.people[(n + 1) % 6], self.people[(n + 2) % 6]):
                qa_services.answer_post(author=answerer, question=asked, text="Ответ по делу.")


def _pick(rng, queryset):
    ids = list(queryset.values_list("pk", flat=True))
    return queryset.model.objects.get(pk=rng.choice(ids)) if ids else None


def act(world: World, rng: random.Random, action: str) -> None:
    people = world.people
    voter = rng.choice(people)
    try:
        if action == "review_vote":
            target = _pick(rng, Review.objects.all())
            if target:
                review_services.review_vote(voter=voter, review=target, helpful=rng.choice([True, True, False, None]))
        elif action == "answer_vote":
            target = _pick(rng, Answer.objects.all())
            if target:
                qa_services.answer_vote(voter=voter, answer=target, value=rng.choice([1, 1, -1, 0]))
        elif action == "question_vote":
            target = _pick(rng, Question.objects.all())
            if target:
                qa_services.question_vote(voter=voter, question=target, up=rng.random() < 0.8)
        elif action == "accept":
            target = _pick(rng, Answer.objects.select_related("question"))
            if target:
                qa_services.answer_accept(actor=target.question.author, answer=target)
        elif action == "flag":
            model = rng.choice([Review, Answer, Question])
            target = _pick(rng, model.objects.all())
            if target:
                moderation.flag(reporter=voter, content=target, reason=rng.choice(["spam", "offensive", "off_topic"]))
        elif action == "moderate":
            model = rng.choice([Review, Answer, Question])
            target = _pick(rng, model.objects.all())
            if target:
                moderation.moderate(moderator=world.moderator, content=target,
                                    action=rng.choice(["hide", "remove", "restore", "approve", "reject"]),
                                    reason="проверка")
        elif action == "delete_review":
            target = _pick(rng, Review.objects.all())
            if target and rng.random() < 0.5:
                review_services.review_delete(actor=target.author, review=target)
        elif action == "write_review":
            review_services.review_create(author=voter, product=rng.choice(world.products), rating=rng.randint(1, 5),
                                          title="Ещё отзыв", text=TEXT)
        elif action == "delete_answer":
            target = _pick(rng, Answer.objects.all())
            if target and rng.random() < 0.5:
                qa_services.answer_delete(actor=target.author, answer=target)
        elif action == "move":
            _move_a_vote(rng)
        elif action == "fraud":
            detect_vote_fraud(everything=True)
        elif action == "confirm":
            unconfirmed = people[6]
            if not unconfirmed.profile.email_verified:
                address = EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email, verified=True,
                                                      primary=True)
                email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
                unconfirmed.profile.refresh_from_db()
    except (review_services.ReviewError, qa_services.QAError, ModerationError, PermissionDenied):
        pass
    except review_services.ReviewExists:
        pass
    except Exception as error:  # validation errors of the services are refusals too
        from django.core.exceptions import ValidationError

        if not isinstance(error, ValidationError):
            raise


def _move_a_vote(rng: random.Random) -> None:
    """A vote is moved to another moment of the last days (as if cast then) and re-applied."""
    kind, model, target = rng.choice([("review", ReviewVote, "review"), ("answer", AnswerVote, "answer"),
                                      ("question", QuestionVote, "question")])
    row = _pick(rng, model.objects.all())
    if row is None:
        return
    when = timezone.now() - timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
    fields = {"created": when} if kind == "question" else {"created": when, "updated": when}
    model.objects.filter(pk=row.pk).update(**fields)
    services.reputation_for_vote(kind=kind, object_id=getattr(row, f"{target}_id"), voter_id=row.voter_id)


def _assert_rebuild_reproduces_the_incremental_state() -> None:
    incremental = snapshot()
    check = rebuild_reputation(check_only=True)
    assert check.exact, check
    assert snapshot() == incremental  # a check writes nothing
    rebuilt = rebuild_reputation(from_scratch=True)
    assert rebuilt.reversed == rebuilt.added == len(incremental["events"])
    assert (rebuilt.totals_fixed, rebuilt.categories_fixed, rebuilt.profiles_fixed) == (0, 0, 0)
    assert snapshot() == incremental


def _run(world: World, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    world.seed_content()
    for _ in range(steps):
        act(world, rng, rng.choice(ACTIONS))
    _assert_rebuild_reproduces_the_incremental_state()


@pytest.fixture
def world(page_tree):
    set_rules(**RULES)
    return World(page_tree)


@pytest.mark.slow
def test_a_long_random_history_rebuilds_to_exactly_the_incremental_state(world):
    _run(world, seed=20261124, steps=400)
    assert ReputationEvent.objects.live().exists()
    assert ReputationEvent.objects.reversed().exists()


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), steps=st.integers(min_value=20, max_value=120))
def test_any_random_history_rebuilds_to_exactly_the_incremental_state(world, seed, steps):
    try:
        with transaction.atomic():
            _run(world, seed=seed, steps=steps)
            raise _Rollback
    except _Rollback:
        pass


class _Rollback(Exception):
    pass


def test_a_corrupted_total_is_found_and_repaired(world):
    _run(world, seed=7, steps=80)
    before = snapshot()
    victim = ReputationTotal.objects.exclude(points=0).first()
    ReputationTotal.objects.filter(pk=victim.pk).update(points=victim.points + 999)
    CategoryReputation.objects.update(points=0)
    ReputationEvent.objects.filter(pk=ReputationEvent.objects.live().first().pk).update(delta=0, points=0)
    with pytest.raises(Exception, match="differs"):
        call_command("rebuild_reputation", "--check", "--no-progress")
    call_command("rebuild_reputation", "--no-progress")
    assert snapshot() == before
    call_command("rebuild_reputation", "--check", "--no-progress")


def test_a_category_whose_only_gain_was_capped_to_zero_is_exact(world):
    """Found by hypothesis: a live event capped to 0 makes a category sum of 0 with no stored row."""
    set_rules(daily_cap=10)
    people = world.people
    world.seed_content()
    author = people[1]
    in_laptops = Review.objects.get(author=author, product=world.products[1])
    in_phones = Review.objects.get(author=author, product=world.products[2])
    review_services.review_vote(voter=people[3], review=in_laptops, helpful=True)
    review_services.review_vote(voter=people[3], review=in_phones, helpful=True)
    capped = ReputationEvent.objects.live().get(user=author, object_id=in_phones.pk)
    assert capped.delta == 0  # the phones category's only event
    assert rebuild_reputation(check_only=True).exact
