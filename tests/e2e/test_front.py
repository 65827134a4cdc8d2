"""The front of the house in a real chromium, on the demo content: every page type has zero
WCAG 2.1 A/AA violations by axe-core (signed out and signed in, at 1280 and 375 px), no page is
wider than a phone's screen (320, 375, 414 px), and the phone header is one compact row."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from community.catalog.models import CategoryPage
from community.moderation.models import Status
from community.qa.models import Question
from reviews.models import Review
from tests import factories
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => `${v.id} (${v.impact}): ` + v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | "));
}"""

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > width + 1)
    .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} → ${Math.round(el.getBoundingClientRect().right)}`);
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(-6)};
}"""


@pytest.fixture
def live_demo(transactional_db, daphne_server, settings):
    """The demo content (``demo_content --products 60``), committed for the daphne server (with
    its photos where the server reads media)."""
    settings.MEDIA_ROOT = str(ARTIFACTS / "media")
    # An earlier transactional test's flush removed what Wagtail's migrations made: the page tree
    # and the root collection of images.
    from wagtail.models import Collection

    Collection.get_first_root_node() or Collection.add_root(name="Root")
    factories.build_home()
    # In a thread of its own: the browser's event loop runs in this one, and the demo's live
    # notifications go through async_to_sync, which refuses a thread with a running loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(call_command, "demo_content", "--products", "60", "--no-progress",
                    stdout=open("/dev/null", "w")).result()  # noqa: SIM115
    from django.contrib.auth import get_user_model

    return {name: get_user_model().objects.get(username=name) for name in ("anna", "support")}


def page_types(anna) -> tuple[dict[str, str], dict[str, str]]:
    """(public pages, pages only a signed-in customer sees): one URL of every page type."""
    review = (Review.objects.filter(status=Status.PUBLISHED, product__questions__status=Status.PUBLISHED)
              .select_related("product", "author").order_by("pk").first())
    product = review.product
    question = Question.objects.published().filter(product=product, answer_count__gt=0).first()
    category = CategoryPage.objects.get(pk=product.get_parent().pk)
    public = {
        "home": "/",
        "category": category.url,
        "product": product.url,
        "reviews list": f"{product.url}reviews/",
        "review": f"/reviews/{review.pk}/",
        "questions list": f"{product.url}questions/",
        "question": question.get_url(),
        "search": "/search/?q=" + product.title.split()[0],
        "empty search": "/search/",
        "profile": f"/users/{review.author.username}/",
        "experts": "/experts/",
        "community": "/community/",
        "discussions": "/chat/discussions/",
        "product chat": f"{product.url}chat/",
        "log in": "/accounts/login/",
        "sign up": "/accounts/signup/",
    }
    client = Client()
    client.force_login(anna)
    ticket = re.search(r'href="(/chat/tickets/T-\d+/)"', client.get("/chat/tickets/").content.decode()).group(1)
    own = Review.objects.filter(author=anna).values_list("product_id", flat=True)
    unreviewed = Review.objects.exclude(product_id__in=own).select_related("product").first().product
    signed_in = {
        "cabinet": "/cabinet/",
        "conversations": "/chat/",
        "tickets": "/chat/tickets/",
        "ticket": ticket,
        "new ticket": "/chat/tickets/new/",
        "write a review": f"{unreviewed.url}reviews/write/",
        "ask a question": f"{product.url}questions/ask/",
    }
    return public, signed_in


def log_in(context, user, server) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}])


def visit(page, url: str):
    response = page.goto(url)
    assert response is not None and response.status in (200, 404), (url, response and response.status)
    page.wait_for_load_state("networkidle")


def test_every_page_type_has_zero_wcag_violations_signed_out_and_in_at_1280_and_375(
        live_demo, browser, daphne_server):
    assert AXE.exists(), "axe-core is missing: run `make install-checkers`"
    public, signed_in = page_types(live_demo["anna"])
    found: dict[str, list[str]] = {}
    for width in (1280, 375):
        for signed in (False, True):
            context = browser.new_context(base_url=daphne_server.url, locale="ru-RU", bypass_csp=True,
                                          viewport={"width": width, "height": 900})
            if signed:
                log_in(context, live_demo["anna"], daphne_server)
            page = context.new_page()
            page.set_default_timeout(20_000)
            for name, url in {**public, **(signed_in if signed else {})}.items():
                visit(page, url)
                page.add_script_tag(path=str(AXE))
                if violations := page.evaluate(RUN_AXE, WCAG_TAGS):
                    found[f"{name} ({'signed in' if signed else 'signed out'}, {width}px)"] = violations
            context.close()
    assert found == {}, "axe-core WCAG 2.1 A/AA violations:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(items) for name, items in found.items())


def test_no_page_type_is_wider_than_a_phone(live_demo, browser, daphne_server):
    public, signed_in = page_types(live_demo["anna"])
    too_wide: dict[str, dict] = {}
    for signed in (False, True):
        context = browser.new_context(base_url=daphne_server.url, locale="ru-RU", viewport={"width": 320, "height": 700})
        if signed:
            log_in(context, live_demo["anna"], daphne_server)
        page = context.new_page()
        page.set_default_timeout(20_000)
        for name, url in {**public, **(signed_in if signed else {})}.items():
            visit(page, url)
            for width in (320, 375, 414):
                page.set_viewport_size({"width": width, "height": 700})
                if (overflow := page.evaluate(OVERFLOW)) is not None:
                    too_wide[f"{name} ({'signed in' if signed else 'signed out'}, {width}px)"] = overflow
            if name == "ticket":  # the composer takes the phone's whole width, «Отправить» below
                box = page.locator(".chat-form textarea").bounding_box()
                form = page.locator(".chat-form").bounding_box()
                send = page.locator(".chat-form button[type=submit]").bounding_box()
                assert box["width"] >= form["width"] - 2 and send["y"] >= box["y"] + box["height"], (box, form, send)
        context.close()
    assert too_wide == {}, "pages wider than the phone:\n" + "\n".join(f"{k}: {v}" for k, v in too_wide.items())


def test_the_phone_header_is_one_row_whose_buttons_open_the_search_and_the_menu(live_demo, browser, daphne_server,
                                                                               screenshot):
    context = browser.new_context(base_url=daphne_server.url, locale="ru-RU", viewport={"width": 375, "height": 700})
    page = context.new_page()
    visit(page, "/")
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] < 80
    search_button = page.get_by_role("button", name="Поиск")
    menu_button = page.get_by_role("button", name="Меню")
    assert not page.locator("#site-search").is_visible()
    assert not page.locator("#site-menu").get_by_role("link", name="Эксперты", exact=True).is_visible()

    search_button.focus()
    page.keyboard.press("Enter")
    assert search_button.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("ноутбук")
    assert page.locator("#site-search").bounding_box()["width"] > 200  # the placeholder is not cut to a sliver

    menu_button.click()
    assert menu_button.get_attribute("aria-expanded") == "true"
    page.locator("#site-menu").get_by_role("link", name="Эксперты", exact=True).wait_for()
    page.locator("#site-menu").get_by_role("link", name="Обсуждения", exact=True).wait_for()
    screenshot(page, "front-phone-header-menu")
    context.close()


# The brand's text box and link: (scrollWidth, clientWidth, scrollHeight, clientHeight) each; the
# placeholder's width in the input's font and the room the input leaves for it.
MEASURE_HEADER = """() => {
  const brand = document.querySelector('.site-header .brand'), text = brand.querySelector('span');
  const input = document.getElementById('site-search'), style = getComputedStyle(input);
  const context = document.createElement('canvas').getContext('2d');
  context.font = getComputedStyle(input, '::placeholder').font;
  return {
    text: [text.scrollWidth, text.clientWidth, text.scrollHeight, text.clientHeight],
    link: [brand.scrollWidth, brand.clientWidth],
    visible: text.innerText.replace(/\\s+/g, ' ').trim(),
    placeholder: context.measureText(input.placeholder).width,
    room: input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
  };
}"""


@pytest.mark.parametrize("width", [320, 375, 414])
def test_the_phone_header_shows_the_whole_brand_name_and_search_placeholder(live_demo, browser, daphne_server,
                                                                             screenshot, width):
    context = browser.new_context(base_url=daphne_server.url, locale="ru-RU", viewport={"width": width, "height": 700})
    page = context.new_page()
    visit(page, "/")
    assert page.locator(".site-header").bounding_box()["height"] < 80  # still one row
    page.get_by_role("button", name="Поиск").click()
    page.locator("#site-search").wait_for()
    measured = page.evaluate(MEASURE_HEADER)
    scroll_width, client_width, scroll_height, client_height = measured["text"]
    assert scroll_width <= client_width and scroll_height <= client_height, measured  # not «Сообществ…»
    assert measured["link"][0] <= measured["link"][1], measured
    assert measured["visible"] == "Сообщество магазина", measured
    # The visible text is the link's accessible name (WCAG 2.5.3).
    assert page.get_by_role("link", name="Сообщество магазина", exact=True).count() == 1
    assert measured["placeholder"] <= measured["room"], measured
    screenshot(page, f"front-phone-header-{width}")
    context.close()
