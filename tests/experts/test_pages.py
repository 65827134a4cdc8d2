"""What users see: profiles with reputation and its chart, leaderboards, Experts' reviews first,
Expert badges beside every author name — each page at a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as dj_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from experts import services
from experts.models import Badge, UserBadge
from tests import factories as site_factories
from tests.experts.factories import a_moderator, person, review, vote
from tests.experts.test_status import EASY
from tests.html_checks import assert_healthy_page


def render_author(user) -> str:
    """The one author component, as every template renders it."""
    from django.template import Context, Template

    return Template("{% load author_tags %}{% author user %}").render(Context({"user": user}))


def _expert(author, laptops, laptop, voters, rules):
    rules(**EASY)
    target = review(author, laptop)
    for voter in voters[:4]:
        vote(voter, target, True)
    return target


def test_the_profile_shows_reputation_categories_badges_and_the_chart_with_its_events(
        client, author, voters, laptop, laptops, rules):
    author.profile.display_name = "Анна Смирнова"
    author.profile.save()
    _expert(author, laptops, laptop, voters, rules)
    vote(voters[5], review(author, site_factories.product(laptops, "Ноутбук 2")), False)
    response = client.get(f"/users/{author.username}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Эксперт: Ноутбуки" in html
    assert "<svg" in html and "Репутация во времени" in html
    assert "за полезный отзыв о «ASUS ROG Strix G16»" in html
    assert "за отзыв о «Ноутбук 2», который сочли бесполезным" in html
    assert "Первый отзыв" in html  # the default badges
    assert ">39<" in html  # 1 + 4 × 10 − 2
    assert "Отзывы и ответы" in html
    assert_healthy_page(html)


def test_a_newcomer_profile_invites_to_contribute(client, newcomer):
    html = client.get(f"/users/{newcomer.username}/").content.decode()
    assert "Репутации пока нет" in html
    assert 'content="noindex, follow"' in html


def test_the_profile_page_costs_the_same_queries_with_a_long_history(
        client, author, voters, laptop, laptops, rules, page_tree):
    _expert(author, laptops, laptop, voters, rules)
    url = f"/users/{author.username}/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n, product in enumerate(site_factories.product(page_tree["phones"], f"Телефон {i}") for i in range(6)):
        target = review(author, product)
        for voter in voters[5 + n: 15 + n]:
            vote(voter, target, n % 2 == 0)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_the_personal_account_shows_the_level_and_the_way_to_the_next(client, author):
    client.force_login(author)
    html = client.get("/cabinet/").content.decode()
    assert "Моя репутация" in html
    assert "49 баллов до «Участник»" in html
    assert_healthy_page(html)


def test_the_leaderboards_list_the_top_contributors_by_period_and_category(
        client, author, voters, laptop, phone, laptops, phones):
    vote(voters[0], review(author, laptop), True)
    vote(voters[0], review(voters[1], phone), True)
    last_month = timezone.now() - timedelta(days=40)
    vote(voters[2], review(voters[3], site_factories.product(laptops, "Старый")), True, at=last_month)
    html = client.get("/experts/").content.decode()
    assert all(u.profile.name in html for u in (author, voters[1], voters[3]))
    html = client.get("/experts/?period=month").content.decode()
    assert author.profile.name in html and voters[3].profile.name not in html
    html = client.get(f"/experts/{laptops.slug}/").content.decode()
    assert author.profile.name in html and voters[1].profile.name not in html
    assert client.get("/experts/nowhere/").status_code == 404
    assert client.get("/experts/?period=decade").status_code == 404


@pytest.mark.slow
def test_leaderboards_are_paginated_and_self_canonical(client, laptop, voters, page_tree):
    authors = [person(f"writer{n:02d}") for n in range(30)]
    for n, writer in enumerate(authors):
        vote(voters[n % 20], review(writer, laptop), True)
    html = client.get("/experts/?page=2").content.decode()
    assert f'rel="canonical" href="{dj_settings.SITE_URL}/experts/?page=2"' in html
    assert "Страница 2 из 2" in html
    assert_healthy_page(html)


@pytest.mark.slow
@pytest.mark.parametrize("size", [5, 40])
def test_a_leaderboard_page_costs_a_fixed_number_of_queries(client, laptop, voters, size, django_assert_max_num_queries):
    for n in range(size):
        vote(voters[n % 20], review(person(f"w{n:03d}"), laptop), True)
    for period in ("all", "week"):
        with django_assert_max_num_queries(9):
            assert client.get(f"/experts/?period={period}").status_code == 200


def test_experts_reviews_come_first_on_the_product_page_with_a_label(client, author, voters, laptop, laptops, rules):
    _expert(author, laptops, laptop, voters, rules)
    review(voters[10], laptop, title="Обычный отзыв")
    # The visible page (the head's JSON-LD names the reviews too).
    html = client.get(laptop.url).content.decode()
    body = html.split("<body", 1)[1]
    assert "Отзывы экспертов" in body and "Отзыв эксперта" in body
    assert body.index("Отзывы экспертов") < body.index("Обычный отзыв")
    assert_healthy_page(html)


def test_a_product_without_experts_reviews_has_no_such_section(client, author, laptop):
    review(author, laptop)
    assert "Отзывы экспертов" not in client.get(laptop.url).content.decode()


@pytest.mark.parametrize("count", [10, 100])
def test_expert_badges_for_a_page_of_authors_cost_no_queries_per_author(count, laptops, phones, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    moderator = a_moderator()
    people = [person(f"a{n:03d}") for n in range(count)]
    for user in people[::3]:
        services.expert_grant(moderator=moderator, user=user, category=laptops if user.pk % 2 else phones,
                              reason="проверенный специалист")
    render_author(people[0])  # the badges' thresholds: read once per process (cached)
    with django_assert_num_queries(1):
        authors = list(get_user_model().objects.filter(pk__in=[u.pk for u in people]).select_related("profile"))
        html = "".join(render_author(a) for a in authors)
    assert html.count("badge-expert") == len(people[::3])


def test_badges_are_awarded_once_and_staff_can_add_new_ones(author, voters, laptop, laptop2):
    Badge.objects.create(slug="two-reviews", name="Два отзыва", description="Два отзыва", metric="reviews",
                         threshold=2, icon="2")
    first = review(author, laptop)
    assert set(UserBadge.objects.filter(user=author).values_list("badge__slug", flat=True)) == {"first-review"}
    vote(voters[0], first, True)
    review(author, laptop2)
    assert set(UserBadge.objects.filter(user=author).values_list("badge__slug", flat=True)) == {
        "first-review", "first-helpful-vote", "two-reviews"}
    services.badges_award(user_ids=[author.pk])
    assert UserBadge.objects.filter(user=author).count() == 3


def test_an_inactive_badge_is_not_awarded(author, laptop):
    Badge.objects.filter(slug="first-review").update(is_active=False)
    review(author, laptop)
    assert not UserBadge.objects.filter(user=author).exists()


def test_experts_answers_are_marked_on_question_pages(client, author, voters, laptop, laptops):
    from tests.experts.factories import answer, question

    services.expert_grant(moderator=a_moderator(), user=author, category=laptops, reason="проверенный специалист")
    asked = question(voters[0], laptop)
    answer(author, asked)
    answer(voters[1], asked, text="Не знаю, не пробовал, но вроде бы нормально.")
    html = client.get(asked.get_url()).content.decode()
    assert html.count("Эксперт: Ноутбуки<") == 1  # the author component, beside the Expert's answer only
    assert_healthy_page(html)
