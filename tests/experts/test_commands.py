"""The nightly commands, the chart, the Experts' reviews section and the demo content."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from experts import chart, selectors, services
from experts.models import ExpertStatus, FraudCase, ReputationEvent, UserBadge
from tests.experts.factories import a_moderator, person, review, vote
from tests.experts.test_status import EASY


def test_check_experts_ends_grace_periods_that_ran_out(author, voters, laptop, laptops, rules, capsys):
    rules(**EASY)
    target = review(author, laptop)
    for voter in voters[:3]:
        vote(voter, target, True)
    vote(voters[0], target, None)
    status = ExpertStatus.objects.get(user=author)
    ExpertStatus.objects.filter(pk=status.pk).update(grace_until=timezone.now() - timedelta(minutes=1))
    call_command("check_experts")
    assert "lost 1" in capsys.readouterr().out
    assert not ExpertStatus.objects.get(pk=status.pk).is_expert


def test_rebuild_reputation_reports_an_exact_state(author, voters, laptop, capsys):
    vote(voters[0], review(author, laptop), True)
    call_command("rebuild_reputation", "--check", "--no-progress")
    assert "was exact" in capsys.readouterr().out


def test_the_chart_steps_through_the_days_and_scales_to_a_round_number():
    built = chart.build([(date(2026, 1, 1), 1), (date(2026, 1, 11), 31), (date(2026, 1, 21), 131)])
    assert built.path.startswith("M52,")
    assert [t.label for t in built.y_ticks] == ["0", "100", "200"]
    assert [t.label for t in built.x_ticks] == ["01.01.26", "11.01.26", "21.01.26"]
    assert built.peak == 131 and built.last == (date(2026, 1, 21), 131)
    single = chart.build([(date(2026, 1, 1), 1)])
    assert single.path.count("H") == 1


@pytest.mark.parametrize("experts", [1, 12])
def test_the_experts_reviews_section_costs_one_query_whatever_the_number(
        experts, laptop, laptops, django_assert_num_queries):
    moderator = a_moderator()
    for n in range(experts):
        writer = person(f"expert{n:02d}")
        services.expert_grant(moderator=moderator, user=writer, category=laptops, reason="проверенный специалист")
        review(writer, laptop)
    with django_assert_num_queries(1):
        found = selectors.expert_reviews_for_product(product=laptop)
        names = [r.author.profile.name for r in found]
    assert len(names) == min(experts, selectors.EXPERT_REVIEWS)


@pytest.mark.slow
def test_the_demo_content_makes_experts_from_the_demo_votes_and_is_idempotent(db, settings):
    settings.MODERATION_PREMODERATE_FIRST = 1
    call_command("demo_content", "--products", "60", "--no-progress")
    experts = set(ExpertStatus.objects.filter(is_expert=True).values_list("user__username", "override"))
    assert {("anna", ""), ("dmitry", ""), ("olga", ""), ("pavel", "grant")} <= experts
    from community.accounts.models import Profile

    levels = set(Profile.objects.values_list("level", flat=True))
    assert {"newcomer", "member", "trusted"} <= levels
    assert FraudCase.objects.filter(voter__username="artem").exists()
    assert UserBadge.objects.exists()
    counts = (ReputationEvent.objects.count(), ExpertStatus.objects.count(), UserBadge.objects.count())
    call_command("demo_content", "--products", "60", "--no-progress")
    assert (ReputationEvent.objects.count(), ExpertStatus.objects.count(), UserBadge.objects.count()) == counts
    from experts.rebuild import rebuild_reputation

    assert rebuild_reputation(check_only=True).exact
