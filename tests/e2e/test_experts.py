"""Experts in a real browser: the helpful vote that completes the criteria makes the author an
Expert at once — their badge appears beside their name, explained on keyboard focus, their
profile shows the chart of reputation — and their review is first under «Отзывы экспертов»."""

import pytest
from django.test import Client

from tests.experts.factories import person, review, set_rules, vote

pytestmark = pytest.mark.browser

EASY = {"expert_reputation": 30, "expert_voters": 3, "expert_days": 1, "expert_reviews": 1, "expert_wilson": 0.2}


def log_in(page, user, server) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])


def test_the_vote_that_completes_the_criteria_makes_an_expert_everywhere(
        page_tree, browser_page, daphne_server, screenshot, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    set_rules(**EASY)
    product = page_tree["products"][0]
    author = person("gertrude")
    author.profile.display_name = "Гертруда"
    author.profile.save()
    written = review(author, product, title="Честный обзор после месяца")
    for n in range(2):
        vote(person(f"reader{n}"), written, True)
    page = browser_page
    log_in(page, person("laertes"), daphne_server)

    page.goto(product.url + f"#review-{written.pk}")
    assert "Отзывы экспертов" not in page.content()
    page.locator(f"#review-{written.pk}").get_by_role("button", name="Да").click()
    page.locator(f"#review-{written.pk}").get_by_text("Спасибо, ваш голос учтён.").wait_for()

    page.goto(product.url)
    section = page.locator("#expert_reviews")
    assert "Отзыв эксперта" in section.inner_text() and "Честный обзор после месяца" in section.inner_text()
    screenshot(page, "experts-01-product")

    page.goto(f"/users/{author.username}/")
    badge = page.locator(".profile-head .badge-expert")
    assert badge.inner_text().startswith("Эксперт: Ноутбуки")
    page.keyboard.press("Tab")
    badge.focus()
    tooltip = badge.locator(".tip-text")
    assert tooltip.is_visible() and "«Ноутбуки»" in tooltip.inner_text()
    assert page.locator("svg[role=img] title").text_content() == "Репутация во времени"
    first_event = " ".join(page.locator(".rep-events li").first.inner_text().split())
    assert first_event.startswith("+10 за полезный отзыв о «ASUS ROG Strix G16»")
    screenshot(page, "experts-02-profile")
