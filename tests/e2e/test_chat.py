"""The live product discussion in a real browser (Playwright driving Debian's chromium)."""

import pytest

from chat.models import Message
from tests.chat.conftest import session_cookie

pytestmark = pytest.mark.browser


def signed_in_context(browser, server, user):
    context = browser.new_context(base_url=server.url, locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": server.url}])
    return context


def send(page, text: str) -> None:
    box = page.get_by_label("Ваше сообщение")
    box.fill(text)
    page.locator("#chat").get_by_role("button", name="Отправить").click()


def test_two_shoppers_talk_live_and_an_offline_reader_catches_up_once(
        page_tree, browser, daphne_server, shopper, other_shopper, screenshot):
    product = page_tree["products"][0]
    writer_context = signed_in_context(browser, daphne_server, shopper)
    reader_context = signed_in_context(browser, daphne_server, other_shopper)
    try:
        writer, reader = writer_context.new_page(), reader_context.new_page()
        for page in (writer, reader):
            page.set_default_timeout(15_000)
            page.goto(product.url + "#chat")
            page.locator(".chat-presence").filter(has_text="онлайн").wait_for()
        log = reader.locator("[data-chat-log]")

        send(writer, "Кто брал этот ноутбук? Как батарея?")
        log.get_by_text("Кто брал этот ноутбук? Как батарея?").wait_for()
        assert writer.get_by_label("Ваше сообщение").input_value() == ""
        screenshot(reader, "chat-01-live")

        reader_context.set_offline(True)
        reader.locator(".chat-connection").filter(has_text="переподключение…").wait_for()
        missed = [f"Пока вас не было, №{n}" for n in range(3)]
        for text in missed:
            send(writer, text)
        for text in missed:  # stored (an id), not just shown as being sent
            writer.locator("[data-chat-log] [data-id]").filter(has_text=text).wait_for()
        assert Message.objects.count() == 4
        reader.wait_for_timeout(500)
        assert log.get_by_text(missed[0]).count() == 0, "an offline reader cannot have it yet"
        screenshot(reader, "chat-02-offline")

        reader_context.set_offline(False)
        log.get_by_text(missed[-1]).wait_for()
        reader.locator(".chat-connection").filter(has_text="переподключение…").wait_for(state="hidden")
        for text in missed:
            assert log.get_by_text(text, exact=True).count() == 1
        ids = log.locator("[data-id]").evaluate_all("items => items.map(item => Number(item.dataset.id))")
        assert ids == sorted(ids) and len(ids) == len(set(ids)) == 4
        screenshot(reader, "chat-03-caught-up")
    finally:
        writer_context.close()
        reader_context.close()


def test_the_discussion_works_without_javascript(page_tree, browser, daphne_server, shopper):
    product = page_tree["products"][0]
    context = browser.new_context(base_url=daphne_server.url, java_script_enabled=False, locale="ru-RU")
    context.add_cookies([{"name": "sessionid", "value": session_cookie(shopper), "url": daphne_server.url}])
    try:
        page = context.new_page()
        page.goto(product.url)
        send(page, "Без JavaScript тоже работает")
        page.wait_for_url(f"**{product.url}#chat-message-*")
        assert page.locator("[data-chat-log]").get_by_text("Без JavaScript тоже работает").count() == 1
    finally:
        context.close()
