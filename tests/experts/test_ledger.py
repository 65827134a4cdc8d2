"""The reputation ledger: points by the rules, reversals, the daily cap, the floor, levels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.moderation import services as moderation
from community.qa import services as qa_services
from experts import services
from experts.models import CategoryReputation, Reason, ReputationEvent
from reviews import services as review_services
from reviews.models import Review
from tests.experts.factories import (
    a_moderator,
    answer,
    live,
    person,
    question,
    reputation,
    review,
    total,
    vote,
)


def test_a_helpful_vote_gives_the_author_ten_points_in_the_category(author, voters, laptop, laptops):
    target = review(author, laptop)
    vote(voters[0], target, True)
    [event] = live(author)
    assert (event.reason, event.points, event.delta, event.actor, event.category) == (
        Reason.REVIEW_HELPFUL, 10, 10, voters[0], laptops)
    assert event.product_id == laptop.pk and event.source == target
    assert total(author) == 10
    assert reputation(author) == 11  # everybody starts at 1
    assert CategoryReputation.objects.get(user=author, category=laptops).points == 10


def test_a_not_helpful_vote_costs_two_but_reputation_never_drops_below_one(author, voters, laptop):
    target = review(author, laptop)
    vote(voters[0], target, False)
    vote(voters[1], target, False)
    assert [e.delta for e in live(author)] == [-2, -2]
    assert total(author) == -4
    assert reputation(author) == 1
    vote(voters[2], target, True)
    assert reputation(author) == 7  # 1 + (−4 + 10)


def test_a_changed_vote_reverses_the_old_event_and_writes_the_new_one(author, voters, laptop):
    target = review(author, laptop)
    vote(voters[0], target, True)
    vote(voters[0], target, False)
    [old] = ReputationEvent.objects.reversed().filter(user=author)
    assert old.reason == Reason.REVIEW_HELPFUL and old.reversal_reason
    assert [e.reason for e in live(author)] == [Reason.REVIEW_UNHELPFUL]
    assert total(author) == -2
    vote(voters[0], target, None)  # withdrawn
    assert live(author) == []
    assert total(author) == 0 and reputation(author) == 1


def test_repeating_a_reconciliation_never_counts_twice(author, voters, laptop):
    target = review(author, laptop)
    vote(voters[0], target, True)
    for _ in range(3):  # a retried request or a re-sent event
        services.reputation_for_vote(kind="review", object_id=target.pk, voter_id=voters[0].pk)
    assert len(live(author)) == 1
    assert total(author) == 10


def test_the_database_refuses_a_second_live_event_for_the_same_vote(author, voters, laptop):
    target = review(author, laptop)
    vote(voters[0], target, True)
    [event] = live(author)
    event.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_the_database_refuses_reputation_from_ones_own_action(author, laptop):
    target = review(author, laptop)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReputationEvent.objects.create(
            user=author, actor=author, reason=Reason.REVIEW_HELPFUL, points=10, delta=10,
            content_type=ContentType.objects.get_for_model(Review), object_id=target.pk, created=timezone.now(),
        )


def test_the_database_refuses_a_gain_above_its_points_and_a_reversal_without_a_reason(author, voters, laptop):
    target = review(author, laptop)
    ct = ContentType.objects.get_for_model(Review)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReputationEvent.objects.create(user=author, actor=voters[0], reason=Reason.REVIEW_HELPFUL, points=10,
                                       delta=11, content_type=ct, object_id=target.pk, created=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        ReputationEvent.objects.create(user=author, actor=voters[0], reason=Reason.REVIEW_UNHELPFUL, points=-2,
                                       delta=0, content_type=ct, object_id=target.pk, created=timezone.now())
    vote(voters[0], target, True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReputationEvent.objects.filter(user=author).update(reversed_at=timezone.now())


def test_the_ledger_cannot_be_deleted_from(author, voters, laptop):
    vote(voters[0], review(author, laptop), True)
    with pytest.raises(TypeError):
        live(author)[0].delete()


def test_the_profile_reputation_can_never_be_negative(author):
    from community.accounts.models import Profile

    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(user=author).update(reputation=-5)


def test_self_votes_never_reach_the_ledger(author, laptop):
    target = review(author, laptop)
    with pytest.raises(review_services.VoteError):
        review_services.review_vote(voter=author, review=target, helpful=True)
    assert live(author) == []


def test_votes_from_new_or_unconfirmed_accounts_are_kept_but_carry_no_reputation(author, laptop):
    target = review(author, laptop)
    fresh = person("fresh", days_old=0)
    unconfirmed = person("unconfirmed", verified=False)
    vote(fresh, target, True)
    vote(unconfirmed, target, True)
    target.refresh_from_db()
    assert target.helpful_count == 2  # recorded
    assert live(author) == []  # weightless


def test_confirming_the_email_later_gives_the_earlier_votes_their_weight(author, laptop):
    from allauth.account.models import EmailAddress
    from allauth.account.signals import email_confirmed

    target = review(author, laptop)
    late = person("late", verified=False)
    vote(late, target, True)
    assert live(author) == []
    address = EmailAddress.objects.create(user=late, email=late.email, verified=True, primary=True)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    assert [e.actor for e in live(author)] == [late]


def test_a_vote_cast_while_the_account_was_too_young_never_counts(author, laptop):
    target = review(author, laptop)
    young = person("young", days_old=0)
    vote(young, target, True)
    # Two days later the account is old enough, but the vote was cast while it was not.
    services.reputation_for_vote(kind="review", object_id=target.pk, voter_id=young.pk,
                                 now=timezone.now() + timedelta(days=2))
    assert live(author) == []


def test_gains_are_capped_at_two_hundred_a_day(author, voters, laptop, laptop2):
    first, second = review(author, laptop), review(author, laptop2)
    morning = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for n, voter in enumerate(voters[:21]):
        vote(voter, first if n < 15 else second, True, at=morning + timedelta(minutes=n))
    deltas = [e.delta for e in live(author)]
    assert sum(deltas) == 200
    assert deltas[-1] == 0 and deltas.count(10) == 20
    assert reputation(author) == 201


def test_a_loss_or_a_reversal_frees_the_cap_for_later_gains_of_that_day(author, voters, laptop, laptop2):
    first, second = review(author, laptop), review(author, laptop2)
    morning = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for n, voter in enumerate(voters[:22]):
        vote(voter, first if n < 2 else second, True, at=morning + timedelta(minutes=n))
    assert total(author) == 200
    recomputed = ReputationEvent.objects.reversed().filter(user=author, reversal_reason="daily cap recomputed")
    before = recomputed.count()
    moderator = a_moderator()
    moderation.moderate(moderator=moderator, content=first, action="remove", reason="не по теме")
    # The first review's two early votes are reversed; the two capped votes of the day earn now.
    assert total(author) == 200
    assert sorted({e.delta for e in live(author)}) == [10]
    assert recomputed.count() - before == 2
    moderation.moderate(moderator=moderator, content=first, action="restore")
    assert total(author) == 200
    assert live(author)[0].created == morning  # replayed with its original time


def test_the_cap_starts_again_the_next_day(author, voters, laptop, laptop2):
    first, second = review(author, laptop), review(author, laptop2)
    day = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=3)
    for n, voter in enumerate(voters[:24]):
        vote(voter, first if n < 12 else second, True, at=day + timedelta(days=n // 12, minutes=n))
    assert total(author) == 240  # 120 one day, 120 the next


def test_removed_content_reverses_all_its_events_and_restored_content_replays_them(author, voters, laptop):
    target = review(author, laptop)
    for voter in voters[:3]:
        vote(voter, target, True)
    moderator = a_moderator()
    moderation.moderate(moderator=moderator, content=target, action="hide", reason="проверка")
    assert live(author) == [] and total(author) == 0 and reputation(author) == 1
    moderation.moderate(moderator=moderator, content=target, action="approve")
    assert len(live(author)) == 3 and total(author) == 30


def test_a_review_deleted_by_its_author_takes_its_reputation_with_it(author, voters, laptop):
    target = review(author, laptop)
    vote(voters[0], target, True)
    review_services.review_delete(actor=author, review=target)
    assert live(author) == [] and total(author) == 0
    assert ReputationEvent.objects.filter(user=author).count() == 1  # kept, reversed


def test_an_upheld_spam_report_costs_one_hundred_until_the_content_is_restored(author, voters, laptop):
    target = review(author, laptop)
    vote(voters[0], target, True)
    moderation.flag(reporter=voters[1], content=target, reason="spam")
    moderator = a_moderator()
    moderation.moderate(moderator=moderator, content=target, action="remove", reason="реклама")
    [strike] = live(author)
    assert (strike.reason, strike.delta, strike.actor) == (Reason.FLAG_UPHELD, -100, None)
    assert reputation(author) == 1 and total(author) == -100
    moderation.moderate(moderator=moderator, content=target, action="restore")
    assert [e.reason for e in live(author)] == [Reason.REVIEW_HELPFUL]


def test_content_hidden_automatically_by_reports_is_not_a_strike(author, laptop):
    target = review(author, laptop)
    for n in range(3):
        moderation.flag(reporter=person(f"reporter{n}"), content=target, reason="spam")
    target.refresh_from_db()
    assert target.status == "hidden"
    assert live(author, reason=Reason.FLAG_UPHELD) == []


def test_off_topic_reports_upheld_are_not_a_strike(author, voters, laptop):
    target = review(author, laptop)
    moderation.flag(reporter=voters[0], content=target, reason="off_topic")
    moderation.moderate(moderator=a_moderator(), content=target, action="remove", reason="не по теме")
    assert live(author, reason=Reason.FLAG_UPHELD) == []


def test_answers_and_questions_earn_by_their_votes(author, voters, laptop, laptops):
    asker = voters[0]
    asked = question(asker, laptop)
    given = answer(author, asked)
    qa_services.answer_vote(voter=voters[1], answer=given, value=1)
    qa_services.answer_vote(voter=voters[2], answer=given, value=-1)
    qa_services.question_vote(voter=voters[3], question=asked, up=True)
    assert sorted((e.reason, e.delta) for e in live(author)) == [(Reason.ANSWER_DOWN, -2), (Reason.ANSWER_UP, 10)]
    assert [(e.reason, e.delta, e.category) for e in live(asker)] == [(Reason.QUESTION_UP, 5, laptops)]


def test_an_accepted_answer_gives_fifteen_to_its_author_and_two_to_the_asker_beyond_the_cap(
        author, voters, laptop, laptop2, rules):
    rules(daily_cap=10)
    asker = voters[0]
    asked = question(asker, laptop)
    given = answer(author, asked)
    vote(voters[1], review(author, laptop2), True)  # uses up the day's cap
    qa_services.answer_accept(actor=asker, answer=given)
    assert sorted((e.reason, e.delta) for e in live(author)) == [
        (Reason.ANSWER_ACCEPTED, 15), (Reason.REVIEW_HELPFUL, 10)]
    assert [(e.reason, e.delta, e.actor) for e in live(asker)] == [(Reason.ANSWER_ACCEPTED_ASKER, 2, author)]
    other = answer(voters[2], asked)
    qa_services.answer_accept(actor=asker, answer=other)  # the asker changes their mind
    assert [e.reason for e in live(author)] == [Reason.REVIEW_HELPFUL]
    assert [e.actor for e in live(asker)] == [voters[2]]


def test_accepting_ones_own_answer_earns_nothing(author, laptop):
    asked = question(author, laptop)
    own = answer(author, asked)
    qa_services.answer_accept(actor=author, answer=own)
    assert live(author) == []


def test_removing_a_question_reverses_what_its_answers_earned(author, voters, laptop):
    asker = voters[0]
    asked = question(asker, laptop)
    given = answer(author, asked)
    qa_services.answer_vote(voter=voters[1], answer=given, value=1)
    moderator = a_moderator()
    moderation.moderate(moderator=moderator, content=asked, action="remove", reason="дубль")
    assert live(author) == []
    moderation.moderate(moderator=moderator, content=asked, action="restore")
    assert [e.reason for e in live(author)] == [Reason.ANSWER_UP]


def test_levels_follow_the_reputation(author, voters, laptop, laptop2, rules):
    rules(member_at=30, trusted_at=50)
    first, second = review(author, laptop), review(author, laptop2)
    for voter in voters[:3]:
        vote(voter, first, True)
    author.profile.refresh_from_db()
    assert (author.profile.reputation, author.profile.level) == (31, "member")
    for voter in voters[3:5]:
        vote(voter, second, True)
    author.profile.refresh_from_db()
    assert author.profile.level == "trusted"
    vote(voters[5], second, False)
    author.profile.refresh_from_db()
    assert (author.profile.reputation, author.profile.level) == (49, "member")


def test_point_values_come_from_the_settings(author, voters, laptop, rules):
    rules(review_helpful=7)
    vote(voters[0], review(author, laptop), True)
    assert live(author)[0].delta == 7


def test_a_deleted_voter_account_takes_back_what_it_gave(author, voters, laptop):
    target = review(author, laptop)
    vote(voters[0], target, True)
    vote(voters[1], target, True)
    voters[0].delete()
    assert total(author) == 10
    assert [e.actor_id for e in live(author)] == [voters[1].pk]
