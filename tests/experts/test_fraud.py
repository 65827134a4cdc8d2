"""Vote-fraud defence: serial and mutual voting are found, reversed with evidence, once."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from community.qa import services as qa_services
from experts.fraud import CastVote, detect_vote_fraud, serial_bursts
from experts.models import FraudCase, FraudKind, FraudulentVote
from tests import factories as site_factories
from tests.experts.factories import answer, live, person, question, review, total, vote


def _products(page_tree, n):
    return [site_factories.product(page_tree["gaming"], f"Модель {i}") for i in range(n)]


def test_ten_votes_from_one_voter_to_one_author_within_a_day_are_reversed(page_tree, author, voters):
    fan = voters[0]
    reviews = [review(author, p) for p in _products(page_tree, 10)]
    base = timezone.now() - timedelta(hours=20)
    for n, target in enumerate(reviews):
        vote(fan, target, True, at=base + timedelta(hours=n))
    vote(voters[1], reviews[0], True)  # an honest vote stays
    assert total(author) == 110
    report = detect_vote_fraud()
    [case] = report.cases
    assert (case.kind, case.voter, case.author, case.votes_reversed) == (FraudKind.SERIAL, fan, author, 10)
    assert len(case.evidence["votes"]) == 10 and case.evidence["points_reversed"] == 100
    assert total(author) == 10
    assert [e.actor for e in live(author)] == [voters[1]]
    entry = ModelLogEntry.objects.get(action="experts.fraud_reversal", object_id=str(case.pk))
    assert entry.data["votes"] == case.evidence["votes"]


def test_detection_is_idempotent(page_tree, author, voters):
    fan = voters[0]
    for target in [review(author, p) for p in _products(page_tree, 10)]:
        vote(fan, target, True)
    assert len(detect_vote_fraud().cases) == 1
    assert detect_vote_fraud().cases == []
    assert FraudCase.objects.count() == 1 and FraudulentVote.objects.count() == 10


def test_votes_spread_over_more_than_a_day_are_not_serial(page_tree, author, voters):
    fan = voters[0]
    base = timezone.now() - timedelta(days=5)
    for n, target in enumerate([review(author, p) for p in _products(page_tree, 10)]):
        vote(fan, target, True, at=base + timedelta(hours=3 * n))  # 10 votes over 27 hours
    assert detect_vote_fraud(everything=True).cases == []


def test_a_serial_window_is_found_anywhere_in_a_longer_run_of_votes():
    now = timezone.now()
    times = [0, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 80]  # hours
    votes = [CastVote("review", n, 1, 2, now + timedelta(hours=h)) for n, h in enumerate(times)]
    burst = serial_bursts(votes, size=10, window=timedelta(hours=24))
    assert [v.object_id for v in burst] == list(range(1, 11))


def test_a_pair_voting_for_each_other_is_reversed_both_ways(page_tree, voters):
    alice, bob = voters[0], voters[1]
    products = _products(page_tree, 10)
    alice_reviews = [review(alice, p) for p in products[:5]]
    bob_reviews = [review(bob, p) for p in products[5:]]
    base = timezone.now() - timedelta(days=10)
    for n in range(5):  # spread out: not serial
        vote(alice, bob_reviews[n], True, at=base + timedelta(days=n))
        vote(bob, alice_reviews[n], True, at=base + timedelta(days=n, hours=1))
    vote(voters[2], alice_reviews[0], True)
    assert (total(alice), total(bob)) == (60, 50)
    [case] = detect_vote_fraud().cases
    assert case.kind == FraudKind.MUTUAL and {case.voter, case.author} == {alice, bob}
    assert (case.evidence["a_to_b"], case.evidence["b_to_a"]) == (5, 5)
    assert (total(alice), total(bob)) == (10, 0)


def test_fewer_mutual_votes_than_the_threshold_are_left_alone(page_tree, voters):
    alice, bob = voters[0], voters[1]
    products = _products(page_tree, 8)
    for n in range(4):
        vote(alice, review(bob, products[n]), True)
        vote(bob, review(alice, products[4 + n]), True)
    assert detect_vote_fraud().cases == []


def test_a_reversed_vote_recast_still_carries_nothing(page_tree, author, voters):
    fan = voters[0]
    reviews = [review(author, p) for p in _products(page_tree, 10)]
    for target in reviews:
        vote(fan, target, True)
    detect_vote_fraud()
    vote(fan, reviews[0], None)  # within the five minutes: withdrawn…
    vote(fan, reviews[0], True)  # …and cast again
    assert total(author) == 0


def test_serial_voting_on_answers_counts_too(page_tree, author, voters):
    fan = voters[0]
    for product in _products(page_tree, 10):
        qa_services.answer_vote(voter=fan, answer=answer(author, question(voters[1], product)), value=1)
    [case] = detect_vote_fraud().cases
    assert case.votes_reversed == 10
    assert live(author) == []


def test_the_command_reports_the_cases(page_tree, author, voters, capsys):
    fan = voters[0]
    for target in [review(author, p) for p in _products(page_tree, 10)]:
        vote(fan, target, True)
    call_command("detect_vote_fraud", "--dry-run")
    assert "would reverse 10 votes" in capsys.readouterr().out
    assert FraudCase.objects.count() == 0
    call_command("detect_vote_fraud")
    assert "reversed 10 votes (100 points)" in capsys.readouterr().out
    assert person("someone").pk  # the site keeps working


def test_reviews_written_around_a_vote_ring_are_raised_in_the_moderation_queue_once(page_tree, author, voters):
    from django.contrib.contenttypes.models import ContentType

    from community.moderation.models import QueueItem, QueueReason
    from reviews.models import Review

    fan = voters[0]
    products = _products(page_tree, 12)
    old = review(author, products[11])
    Review.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
    pushed = [review(author, p) for p in products[:10]]
    base = timezone.now() - timedelta(hours=20)
    for n, target in enumerate(pushed):
        vote(fan, target, True, at=base + timedelta(hours=n))
    report = detect_vote_fraud()
    [case] = report.cases
    ct = ContentType.objects.get_for_model(Review)
    items = {i.object_id: i for i in QueueItem.objects.open().filter(content_type=ct)}
    assert report.reviews_raised == 10 and set(items) == {r.pk for r in pushed}
    [reason] = [r for r in items[pushed[0].pk].reasons if r["code"] == QueueReason.SIGNAL]
    assert reason["evidence"]["case"] == case.pk and f"№{case.pk}" in reason["evidence"]["summary"]
    assert Review.objects.get(pk=pushed[0].pk).status == "published"  # nothing taken down
    assert detect_vote_fraud().reviews_raised == 0  # once
