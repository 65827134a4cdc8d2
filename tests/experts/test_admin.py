"""The Wagtail admin of reputation: moderators see the ledger, statuses, fraud cases and who voted,
grant and revoke Expert status with a reason; staff edit badges; nobody edits the ledger."""

from __future__ import annotations

import pytest
from django.urls import reverse

from experts import services
from experts.fraud import detect_vote_fraud
from experts.models import Badge, ExpertStatus, FraudCase, Override
from tests import factories as site_factories
from tests.experts.factories import a_moderator, person, review, vote


@pytest.fixture
def moderator_client(client, db):
    moderator = a_moderator()
    client.force_login(moderator)
    client.moderator = moderator
    return client


def test_moderators_see_the_ledger_and_cannot_edit_it(moderator_client, author, voters, laptop):
    vote(voters[0], review(author, laptop), True)
    response = moderator_client.get(reverse("experts_ledger:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "author" in html and "полезный отзыв" in html
    assert moderator_client.get(reverse("experts_ledger:add")).status_code in (302, 403)
    event = author.reputation_events.get()
    assert moderator_client.get(reverse("experts_ledger:inspect", args=[event.pk])).status_code == 200
    assert moderator_client.get(reverse("experts_ledger:edit", args=[event.pk])).status_code in (302, 403)
    assert moderator_client.get(reverse("experts_ledger:delete", args=[event.pk])).status_code in (302, 403)


def test_shoppers_cannot_open_the_reputation_admin(client, author):
    client.force_login(author)
    for name in ("experts_ledger:index", "experts_statuses:index", "experts_fraud:index", "experts_votes:index"):
        assert client.get(reverse(name)).status_code in (302, 403)


def test_a_moderator_grants_expert_status_in_the_admin_and_must_give_a_reason(moderator_client, author, laptops):
    url = reverse("experts_statuses:override_new")
    form = {"username": author.username, "category": laptops.pk, "action": "grant", "reason": ""}
    response = moderator_client.post(url, form)
    assert response.status_code == 200 and not ExpertStatus.objects.exists()
    form["reason"] = "Работает в сервисном центре, проверено"
    response = moderator_client.post(url, form)
    status = ExpertStatus.objects.get()
    assert response.status_code == 302 and status.is_expert and status.override == Override.GRANT
    html = moderator_client.get(reverse("experts_statuses:inspect", args=[status.pk])).content.decode()
    assert "Работает в сервисном центре, проверено" in html
    response = moderator_client.post(reverse("experts_statuses:override", args=[status.pk]),
                                     {"action": "revoke", "reason": "Жалобы покупателей"})
    status.refresh_from_db()
    assert response.status_code == 302 and not status.is_expert
    assert moderator_client.get(reverse("experts_statuses:index")).status_code == 200


def test_moderators_see_who_voted_on_any_content_and_whether_it_counted(moderator_client, author, voters, laptop):
    target = review(author, laptop)
    vote(voters[0], target, True)
    vote(person("fresh", days_old=0), target, False)
    html = moderator_client.get(reverse("experts_votes:index"), {"kind": "review", "content": target.pk}).content.decode()
    assert "voter00" in html and "fresh" in html
    assert "аккаунт был слишком новым" in html
    for kind in ("answer", "question"):
        assert moderator_client.get(reverse("experts_votes:index"), {"kind": kind}).status_code == 200


def test_fraud_cases_are_listed_with_their_evidence(moderator_client, page_tree, author, voters):
    for product in [site_factories.product(page_tree["gaming"], f"М{n}") for n in range(10)]:
        vote(voters[0], review(author, product), True)
    detect_vote_fraud()
    case = FraudCase.objects.get()
    assert moderator_client.get(reverse("experts_fraud:index")).status_code == 200
    html = moderator_client.get(reverse("experts_fraud:inspect", args=[case.pk])).content.decode()
    assert "votes" in html


def test_staff_edit_badges(client, staff):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename="access_admin"))
    client.force_login(staff)
    badge = Badge.objects.get(slug="first-review")
    url = reverse("wagtailsnippets_experts_badge:edit", args=[badge.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Дебют", "slug": "first-review", "description": "Первый отзыв",
                                 "icon": "✍", "metric": "reviews", "threshold": 1, "is_active": "on",
                                 "sort_order": 10})
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.name == "Дебют"


def test_the_rules_are_a_wagtail_setting_with_the_issue_defaults(admin_client):
    from experts.rules import Rules, current_rules

    assert current_rules() == Rules()
    defaults = Rules()
    assert (defaults.review_helpful, defaults.review_unhelpful, defaults.answer_up, defaults.answer_down,
            defaults.answer_accepted, defaults.answer_accepted_asker, defaults.question_up, defaults.flag_upheld,
            defaults.daily_cap, defaults.floor, defaults.member_at, defaults.trusted_at) == (
        10, -2, 10, -2, 15, 2, 5, -100, 200, 1, 50, 500)
    assert (defaults.expert_reputation, defaults.expert_voters, defaults.expert_days, defaults.expert_reviews,
            defaults.expert_wilson, defaults.expert_strike_days, defaults.expert_grace_days) == (
        500, 10, 5, 3, 0.6, 90, 14)
    response = admin_client.get(reverse("wagtailsettings:edit", args=["experts", "reputationrules"]), follow=True)
    assert response.status_code == 200
    assert "Дневной лимит" in response.content.decode() or "дневной лимит" in response.content.decode()


def test_the_override_service_refuses_an_unknown_action(author, laptops):
    with pytest.raises(services.ExpertError):
        services.expert_override(moderator=a_moderator(), user=author, category=laptops, override="crown",
                                 reason="почему бы и нет")
