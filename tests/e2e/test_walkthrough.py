"""A new visitor walks the catalog, signs up and logs in, in a real browser."""

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser


def test_a_visitor_browses_signs_up_and_logs_in(page_tree, browser_page, screenshot):
    page = browser_page
    page.goto("/")
    assert page.locator("h1").inner_text() == "Сообщество покупателей"
    screenshot(page, "01-home")

    page.get_by_role("link", name="Ноутбуки", exact=True).click()
    page.get_by_role("link", name="Игровые ноутбуки").first.click()
    assert page.locator("h1").inner_text() == "Игровые ноутбуки"
    page.get_by_role("link", name="ASUS ROG Strix G16").click()
    assert page.locator("h1").inner_text() == "ASUS ROG Strix G16"
    assert page.get_by_role("navigation", name="Навигационная цепочка").is_visible()
    screenshot(page, "02-product")

    page.get_by_role("link", name="Регистрация").click()
    page.get_by_label("Имя пользователя:").fill("yorick")
    page.get_by_label("Адрес электронной почты:").fill("yorick@example.ru")
    page.get_by_label("Пароль:", exact=True).fill("alas-poor-yorick-2026")
    page.get_by_label("Пароль (ещё раз):").fill("alas-poor-yorick-2026")
    screenshot(page, "03-signup")
    page.get_by_role("button", name="Зарегистрируйтесь").click()
    page.wait_for_url("**/cabinet/")
    assert page.locator("h1").inner_text() == "Личный кабинет"
    screenshot(page, "04-cabinet")

    page.get_by_role("button", name="Выйти").click()
    page.get_by_role("link", name="Войти").click()
    page.get_by_label("Имя пользователя или эл. почта:").fill("yorick")
    page.get_by_label("Пароль:").fill("alas-poor-yorick-2026")
    page.get_by_role("button", name="Войти").click()
    # Back where the visitor was when they chose to log in (the home page), now signed in.
    page.get_by_role("navigation", name="Учётная запись").get_by_role("link", name="Личный кабинет").wait_for()
    assert urlparse(page.url).path == "/"
    assert page.get_by_role("button", name="Выйти").is_visible()


def test_the_language_switch_works_without_reloading_urls(page_tree, browser_page):
    page = browser_page
    page.goto(page_tree["gaming"].url)
    with page.expect_navigation():
        page.get_by_label("Язык").select_option("en")
    assert page.get_by_role("link", name="Log in").is_visible()
    assert page.url.endswith(page_tree["gaming"].url)


def test_the_layout_fits_a_360px_phone(page_tree, browser, daphne_server, screenshot):
    context = browser.new_context(base_url=daphne_server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(page_tree["products"][0].url)
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "05-phone-product")
    context.close()
    assert width <= 360
