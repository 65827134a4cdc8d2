"""Search in a real browser: the header combobox with the keyboard, then the results page."""

import pytest

from tests.conftest import run_task_worker

pytestmark = pytest.mark.browser


def test_the_header_box_suggests_products_and_is_driven_by_the_keyboard(page_tree, browser_page, screenshot):
    run_task_worker()  # new content is indexed by the task queue
    page = browser_page
    page.goto("/")
    box = page.get_by_role("combobox", name="Поиск по сайту")
    box.fill("kat")
    listbox = page.get_by_role("listbox", name="Подсказки")
    listbox.get_by_role("option", name="MSI Katana 15").wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    screenshot(page, "search-combobox")
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**" + page_tree["products"][1].url)


def test_the_results_page_highlights_and_filters(page_tree, browser_page, screenshot):
    run_task_worker()  # new content is indexed by the task queue
    page = browser_page
    page.goto("/search/?q=ноутбуки")
    page.get_by_role("heading", level=1).wait_for()
    assert page.locator(".search-hit").count() == 2
    screenshot(page, "search-results")
    page.get_by_role("checkbox", name="ASUS").check()
    page.get_by_role("button", name="Применить фильтры").click()
    page.wait_for_url("**brand=ASUS**")
    assert page.locator(".search-hit h3").all_inner_texts() == ["ASUS ROG Strix G16"]
