"""Reviews in a real browser: a shopper writes a review with the star input and sees it; another
shopper votes it helpful and the count updates in place (JavaScript), without a reload."""

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.reviews.factories import published_review

pytestmark = pytest.mark.browser


def log_in(page, user, server) -> None:
    """Sign the browser in with a real session (the server hashes passwords differently from the
    test process, which uses a fast hasher, so the session is made here)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])


def test_a_shopper_writes_a_review_with_stars_and_sees_it(page_tree, browser_page, daphne_server, screenshot):
    product = page_tree["products"][0]
    page = browser_page
    log_in(page, UserFactory(username="gertrude", verified=True), daphne_server)
    page.goto(product.url)
    page.get_by_role("link", name="Написать отзыв").click()
    assert page.locator("h1").inner_text() == "Написать отзыв"

    # The star input is a radio group in a fieldset: keyboard and screen readers see "4 звезды".
    rating = page.get_by_role("group", name="Ваша оценка")
    rating.locator("label", has_text="4 звезды").click()  # the fourth star
    assert page.get_by_role("radio", name="4 звезды").is_checked()
    page.get_by_label("Заголовок").fill("Тихий и быстрый")
    page.get_by_label("Ваш отзыв").fill("Пользуюсь месяц.\n\nВ играх не греется, клавиатура удобная.")
    page.get_by_label("Достоинства").fill("Тишина")
    screenshot(page, "reviews-01-write")
    page.get_by_role("button", name="Опубликовать отзыв").click()

    # A new user's first review waits for moderation: its author sees it, marked as such.
    page.get_by_text("Спасибо! Отзыв появится после проверки модератором.").wait_for()
    own = page.locator(".own-review")
    assert "Тихий и быстрый" in own.inner_text()
    assert "на модерации" in own.inner_text()
    assert own.get_by_role("img", name="Оценка: 4 из 5").is_visible()
    screenshot(page, "reviews-02-own-pending")


def test_another_shopper_votes_helpful_and_the_count_updates_in_place(page_tree, browser_page, daphne_server, screenshot):
    product = page_tree["products"][0]
    review = published_review(product, author=UserFactory(username="claudius", verified=True), rating=5,
                              title="Лучший ноутбук года")
    page = browser_page
    log_in(page, UserFactory(username="laertes", verified=True), daphne_server)
    page.goto(product.url + f"#review-{review.pk}")
    card = page.locator(f"#review-{review.pk}")
    assert "Лучший ноутбук года" in card.inner_text()
    page.evaluate("window.__stillTheSamePage = true")

    card.get_by_role("button", name="Да").click()
    card.get_by_text("1 из 1 покупателя считает отзыв полезным").wait_for()
    assert card.locator('[data-count="helpful"]').inner_text() == "1"
    assert card.get_by_role("button", name="Да").get_attribute("aria-pressed") == "true"
    assert card.get_by_role("status").inner_text() == "Спасибо, ваш голос учтён."
    assert page.evaluate("window.__stillTheSamePage") is True  # no reload
    screenshot(page, "reviews-03-voted")

    # Pressing it again withdraws the vote (within five minutes), still in place.
    card.get_by_role("button", name="Да").click()
    card.get_by_text("Ваш голос отменён.").wait_for()
    assert card.locator('[data-count="helpful"]').inner_text() == "0"
    assert page.evaluate("window.__stillTheSamePage") is True
