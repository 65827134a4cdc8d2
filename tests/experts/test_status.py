"""Per-category Expert status: the criteria, the grace period, moderators' overrides, effects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from community import events
from community.accounts import trust
from community.moderation import services as moderation
from experts import services
from experts.models import ExpertStatus, Override
from tests import factories as site_factories
from tests.experts.factories import a_moderator, person, question, review, vote

EASY = {"expert_reputation": 30, "expert_voters": 3, "expert_days": 1, "expert_reviews": 1, "expert_wilson": 0.2}


@pytest.fixture
def received():
    """Every ``expert_status_changed`` sent during the test."""
    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs)

    events.expert_status_changed.connect(listener)
    yield seen
    events.expert_status_changed.disconnect(listener)


def _status(user, category) -> ExpertStatus | None:
    return ExpertStatus.objects.filter(user=user, category=category).first()


def _earn(author, target, voters, *, helpful=True):
    for voter in voters:
        vote(voter, target, helpful)


def test_a_shopper_whose_reviews_others_find_useful_becomes_an_expert_by_the_default_rules(
        page_tree, author, voters, laptops, received):
    products = [site_factories.product(page_tree["gaming"], f"Ноутбук {n}") for n in range(3)]
    reviews = [review(author, p) for p in products]
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=6)
    votes_cast = 0
    for voter in voters[:17]:
        for target in reviews:
            if votes_cast == 50:
                break
            vote(voter, target, True, at=start + timedelta(days=votes_cast % 5, minutes=votes_cast))
            votes_cast += 1
    status = _status(author, laptops)
    assert status is not None and status.is_expert
    assert status.criteria == {"reputation": 500, "voters": 17, "days": 5, "reviews": 3, "strike": False}
    author.profile.refresh_from_db()
    assert author.profile.expert_categories == [{"id": laptops.pk, "title": laptops.title}]
    assert author.profile.is_expert_in(laptops.pk)
    assert [(e["user"], e["category"], e["gained"]) for e in received] == [(author, laptops, True)]
    assert ModelLogEntry.objects.filter(action="experts.status_gained", object_id=str(status.pk)).exists()


def test_one_criterion_short_is_not_enough(author, voters, laptop, laptops, rules):
    rules(**{**EASY, "expert_voters": 4})
    _earn(author, review(author, laptop), voters[:3])  # 30 points, but from 3 voters
    assert _status(author, laptops) is None


def test_reviews_with_a_poor_helpful_score_do_not_count(author, voters, laptop, laptops, rules):
    rules(**{**EASY, "expert_wilson": 0.6})
    target = review(author, laptop)
    _earn(author, target, voters[:4])
    _earn(author, target, voters[4:7], helpful=False)  # 4 of 7 helpful: Wilson 0.25
    assert _status(author, laptops) is None


def test_experts_are_per_top_level_category(author, voters, laptop, phone, laptops, phones, rules):
    rules(**EASY)
    _earn(author, review(author, laptop), voters[:3])
    _earn(author, review(author, phone), voters[:2])
    assert _status(author, laptops).is_expert
    assert _status(author, phones) is None


def test_an_upheld_strike_starts_the_grace_period_and_the_status_is_lost_after_it(
        author, voters, laptop, phone, laptops, rules, received):
    rules(**EASY)
    _earn(author, review(author, laptop), voters[:4])
    spam = review(author, phone)
    moderation.flag(reporter=voters[5], content=spam, reason="spam")
    upheld_from = timezone.now()
    moderation.moderate(moderator=a_moderator(), content=spam, action="remove", reason="реклама")
    upheld_by = timezone.now()
    status = _status(author, laptops)
    assert status.is_expert and status.in_grace
    # Fourteen days from the moment the strike was upheld (a plain comparison: pytest.approx
    # compares datetimes only from pytest 9.1, above our lower bound).
    assert upheld_from + timedelta(days=14) <= status.grace_until <= upheld_by + timedelta(days=14)
    report = services.experts_check(now=timezone.now() + timedelta(days=13))
    assert report.lost == 0 and _status(author, laptops).is_expert
    report = services.experts_check(now=timezone.now() + timedelta(days=15))
    assert report.lost == 1
    status = _status(author, laptops)
    assert not status.is_expert and status.grace_until is None
    author.profile.refresh_from_db()
    assert author.profile.expert_categories == []
    assert [e["gained"] for e in received] == [True, False]


def test_meeting_the_criteria_again_during_the_grace_period_keeps_the_status(author, voters, laptop, laptops, rules):
    rules(**EASY)
    target = review(author, laptop)
    _earn(author, target, voters[:3])
    vote(voters[0], target, None)  # withdrawn: 20 points, 2 voters
    assert _status(author, laptops).in_grace
    vote(voters[3], target, True)
    status = _status(author, laptops)
    assert status.is_expert and not status.in_grace


def test_without_a_grace_period_the_status_goes_at_once(author, voters, laptop, laptops, rules):
    rules(**EASY, expert_grace_days=0)
    target = review(author, laptop)
    _earn(author, target, voters[:3])
    vote(voters[0], target, None)
    assert not _status(author, laptops).is_expert


def test_a_moderator_grants_expert_status_with_a_reason_and_it_is_audit_logged(author, laptops, received):
    moderator = a_moderator()
    status = services.expert_grant(moderator=moderator, user=author, category=laptops,
                                   reason="Инженер сервисного центра, проверено")
    assert status.is_expert and status.override == Override.GRANT
    entry = ModelLogEntry.objects.get(action="experts.grant", object_id=str(status.pk))
    assert entry.user == moderator and entry.data["reason"] == "Инженер сервисного центра, проверено"
    assert received[0]["reason"] == "Инженер сервисного центра, проверено"
    services.experts_check(now=timezone.now() + timedelta(days=60))
    assert _status(author, laptops).is_expert  # pinned: the rules do not take it away


def test_granting_without_a_reason_or_by_a_non_moderator_is_refused(author, other_shopper, laptops, page_tree):
    moderator = a_moderator()
    with pytest.raises(services.ExpertError):
        services.expert_grant(moderator=moderator, user=author, category=laptops, reason="   ")
    with pytest.raises(PermissionDenied):
        services.expert_grant(moderator=other_shopper, user=author, category=laptops, reason="друг")
    with pytest.raises(services.ExpertError):  # not a top-level category
        services.expert_grant(moderator=moderator, user=author, category=page_tree["gaming"], reason="знаток")
    assert not ExpertStatus.objects.exists()


def test_the_database_refuses_an_override_without_a_reason(author, laptops):
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpertStatus.objects.create(user=author, category=laptops, is_expert=True, override=Override.GRANT)


def test_a_revoked_status_stays_revoked_until_a_moderator_returns_it_to_the_rules(
        author, voters, laptop, laptops, rules):
    rules(**EASY)
    target = review(author, laptop)
    _earn(author, target, voters[:3])
    moderator = a_moderator()
    services.expert_revoke(moderator=moderator, user=author, category=laptops, reason="накрутка голосов")
    vote(voters[4], target, True)
    assert not _status(author, laptops).is_expert
    services.expert_follow_rules(moderator=moderator, user=author, category=laptops, reason="разобрались")
    assert _status(author, laptops).is_expert
    actions = list(ModelLogEntry.objects.filter(object_id=str(_status(author, laptops).pk))
                   .order_by("timestamp", "pk").values_list("action", flat=True))
    assert actions == ["experts.status_gained", "experts.revoke", "experts.status_lost", "experts.follow_rules",
                       "experts.status_gained"]


def test_becoming_an_expert_makes_the_authors_links_followed_and_losing_it_undoes_that(
        author, voters, laptop, laptops, rules, django_capture_on_commit_callbacks):
    from reviews import services as review_services

    rules(**EASY)
    target = review_services.review_create(author=author, product=laptop, rating=5, title="Ссылки",
                                           text="Подробный обзор: https://example.org/review")
    assert 'rel="ugc nofollow noopener"' in target.text_html
    with django_capture_on_commit_callbacks(execute=True):
        _earn(author, target, voters[:3])
    target.refresh_from_db()
    assert 'rel="ugc noopener"' in target.text_html and "nofollow" not in target.text_html
    with django_capture_on_commit_callbacks(execute=True):
        services.expert_revoke(moderator=a_moderator(), user=author, category=laptops, reason="проверка")
    target.refresh_from_db()
    assert "nofollow" in target.text_html


def test_new_questions_are_routed_to_the_experts_of_the_category(author, voters, laptop, phone, laptops):
    services.expert_grant(moderator=a_moderator(), user=author, category=laptops, reason="проверенный специалист")
    asked = []

    def listener(sender, question, recipients, **kwargs):
        asked.append((question, list(recipients)))

    events.question_asked.connect(listener)
    try:
        question(voters[0], laptop)
        question(voters[0], phone, title="Есть ли NFC?")
    finally:
        events.question_asked.disconnect(listener)
    assert author in asked[0][1]
    assert author not in asked[1][1]


def test_the_trust_decisions(author, newcomer, staff, laptops):
    assert not trust.links_followed(author)
    assert trust.is_indexable([])  # only the shop's own content
    assert not trust.is_indexable([newcomer])
    assert trust.is_indexable([newcomer, staff])
    author.profile.level = "member"
    assert trust.is_indexable([newcomer, author])
    services.expert_grant(moderator=a_moderator(), user=author, category=laptops, reason="проверенный специалист")
    author.refresh_from_db()
    assert trust.links_followed(author)
    assert not trust.links_followed(newcomer)
    assert not trust.links_followed(None)


def test_a_newcomer_who_becomes_an_expert_makes_their_pages_indexable(newcomer, laptops):
    assert not trust.is_indexable([newcomer])
    services.expert_grant(moderator=a_moderator(), user=newcomer, category=laptops, reason="проверенный специалист")
    newcomer.refresh_from_db()
    assert trust.is_indexable([newcomer])


def test_renamed_categories_are_renamed_in_profiles_by_the_nightly_check(author, laptops):
    services.expert_grant(moderator=a_moderator(), user=author, category=laptops, reason="проверенный специалист")
    laptops.title = "Ноутбуки и ультрабуки"
    laptops.save()
    assert services.experts_check().titles_updated == 1
    author.profile.refresh_from_db()
    assert author.profile.expert_categories[0]["title"] == "Ноутбуки и ультрабуки"


def test_staff_can_be_made_experts_too_but_a_person_without_a_profile_is_a_newcomer(db):
    ghost = person("ghost")
    ghost.profile.delete()
    ghost = type(ghost).objects.get(pk=ghost.pk)
    assert trust.is_newcomer(ghost)
    assert not trust.links_followed(ghost)
