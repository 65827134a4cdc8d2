"""Keyboard only, in a real chromium: the star rating, the helpful votes, the chat composer and
the header's autocomplete (on a phone, opened from the search button) need no mouse."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import run_task_worker
from tests.reviews.factories import published_review

pytestmark = pytest.mark.browser


def log_in(page, user, server) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])


def tab_to(page, predicate: str, limit: int = 80) -> None:
    """Press Tab until ``predicate`` (JS, on document.activeElement as ``el``) holds."""
    for _n in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return Boolean({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_stars_votes_and_the_chat_composer_work_from_the_keyboard(page_tree, browser_page, daphne_server,
                                                                  shopper, other_shopper, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    page = browser_page
    product = page_tree["products"][0]
    published_review(product, author=other_shopper, title="Мнение соседа")
    log_in(page, shopper, daphne_server)

    # Star rating: Tab into the radio group, arrows choose the rating.
    page.goto(product.url + "reviews/write/")
    tab_to(page, "el.type === 'radio' && el.name === 'rating'")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    checked = page.evaluate("document.querySelector('input[name=rating]:checked').value")
    assert checked == page.evaluate("document.activeElement.value") and int(checked) >= 2

    # The photo picker is a labelled, translated control reachable by Tab.
    tab_to(page, "el.type === 'file'")
    assert page.locator(".file-picker-button").inner_text() == "Выбрать фото"
    assert page.locator("[data-file-picker-status]").inner_text() == "Фото не выбраны"

    # Helpful vote: Tab to «Да», Enter votes, the button says it is pressed.
    page.goto(product.url + "reviews/")
    tab_to(page, "el.matches('button[data-choice=helpful]')")
    page.keyboard.press("Enter")
    page.locator("button[data-choice=helpful][aria-pressed=true]").wait_for()
    assert page.locator("button[data-choice=helpful] .vote-count").inner_text() == "1"

    # Chat composer: Tab to the message box, type, Enter sends.
    page.goto(product.url + "chat/")
    page.locator(".chat-presence").filter(has_text="онлайн").wait_for()
    tab_to(page, "el.tagName === 'TEXTAREA'")
    page.keyboard.type("Отправлено с клавиатуры")
    page.keyboard.press("Enter")
    page.locator("[data-chat-log]").get_by_text("Отправлено с клавиатуры").wait_for()


def test_the_phone_autocomplete_opens_and_is_driven_from_the_keyboard(page_tree, browser, daphne_server):
    run_task_worker()  # new content is indexed by the task queue
    context = browser.new_context(base_url=daphne_server.url, locale="ru-RU", viewport={"width": 375, "height": 700})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/")
    tab_to(page, "el.matches('.header-search-button')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("kat")
    page.get_by_role("option", name="MSI Katana 15").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + page_tree["products"][1].url)
    context.close()
