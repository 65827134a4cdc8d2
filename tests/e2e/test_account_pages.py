"""The personal account's pages in a real chromium, on the demo content: the overview (with its
section links and the waiting list), notifications, email settings, privacy and data, and the
owner's view of a private profile have zero WCAG 2.1 A/AA violations by axe-core at 1280 and
375 px and are never wider than the phone; the account works without JavaScript."""

from __future__ import annotations

import pytest

from community.accounts import services
from tests.e2e.test_front import (
    AXE,
    OVERFLOW,
    RUN_AXE,
    WCAG_TAGS,
    live_demo,  # noqa: F401  (the demo content, committed for the server)
    log_in,
    visit,
)

pytestmark = pytest.mark.browser

ACCOUNT_PAGES = {
    "overview": "/cabinet/",
    "notifications": "/notifications/",
    "unread notifications": "/notifications/?show=unread",
    "email settings": "/notifications/settings/",
    "privacy and data": "/cabinet/privacy/",
    "own private profile": "/users/anna/",
}


def test_the_account_pages_have_zero_wcag_violations_and_fit_a_phone(live_demo, browser, daphne_server):  # noqa: F811
    assert AXE.exists(), "axe-core is missing: run `make install-checkers`"
    anna = live_demo["anna"]
    services.profile_set_public(user=anna, public=False)
    found: dict[str, list[str]] = {}
    too_wide: dict[str, dict] = {}
    for width in (1280, 375):
        context = browser.new_context(base_url=daphne_server.url, locale="ru-RU", bypass_csp=True,
                                      viewport={"width": width, "height": 900})
        log_in(context, anna, daphne_server)
        page = context.new_page()
        page.set_default_timeout(20_000)
        for name, url in ACCOUNT_PAGES.items():
            visit(page, url)
            assert page.locator(".cabinet-nav a").count() == 4 or name == "own private profile", name
            page.add_script_tag(path=str(AXE))
            if violations := page.evaluate(RUN_AXE, WCAG_TAGS):
                found[f"{name} ({width}px)"] = violations
            if width == 375 and (overflow := page.evaluate(OVERFLOW)) is not None:
                too_wide[name] = overflow
        context.close()
    assert found == {}, "axe-core WCAG 2.1 A/AA violations:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(items) for name, items in found.items())
    assert too_wide == {}, f"pages wider than the phone: {too_wide}"


def test_the_account_works_without_javascript_on_a_phone(live_demo, browser, daphne_server):  # noqa: F811
    context = browser.new_context(base_url=daphne_server.url, locale="ru-RU", java_script_enabled=False,
                                  viewport={"width": 375, "height": 800})
    log_in(context, live_demo["anna"], daphne_server)
    page = context.new_page()
    page.set_default_timeout(20_000)
    visit(page, "/cabinet/")
    page.get_by_role("navigation", name="Разделы на этой странице").get_by_role("link", name="Список ожидания").click()
    assert page.url.endswith("/cabinet/#waiting-list")
    page.get_by_role("navigation", name="Личный кабинет").get_by_role("link", name="Приватность и мои данные").click()
    page.wait_for_url("**/cabinet/privacy/")
    assert page.get_by_role("link", name="Приватность и мои данные").get_attribute("aria-current") == "page"
    page.get_by_label("Показывать мой публичный профиль").uncheck()
    page.locator("form:has(input[value=visibility]) button[type=submit]").click()
    page.wait_for_url("**/cabinet/privacy/")
    assert page.get_by_text("Ваш профиль скрыт.").first.is_visible()
    live_demo["anna"].profile.refresh_from_db()
    assert live_demo["anna"].profile.public is False
    page.get_by_role("link", name="Уведомления", exact=True).click()
    page.wait_for_url("**/notifications/")
    context.close()
