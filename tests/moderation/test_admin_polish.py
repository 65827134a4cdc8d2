"""The admin as moderators see it: one «Модерация» menu without duplicates, readable lists in
Russian with the site's time zone."""

import datetime as dt
import json
import re

from community.qa import services as qa_services
from community.qa.models import Answer, Question


def menu_of(html: str) -> list:
    props = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(props.group(1))


def labels(node, found=None):
    found = [] if found is None else found
    if isinstance(node, dict):
        if "label" in node and isinstance(node["label"], str):
            found.append(node["label"])
        for value in node.values():
            labels(value, found)
    elif isinstance(node, list):
        for value in node:
            labels(value, found)
    return found


def test_the_moderation_menu_lists_each_kind_once(client, moderator):
    client.cookies["lang"] = "ru"
    client.force_login(moderator)
    names = labels(menu_of(client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()))
    assert names.count("Модерация") == 1
    for label in ("Отзывы", "Вопросы", "Ответы", "Фото к отзывам", "Сообщения чата", "Очередь"):
        assert names.count(label) == 1, (label, names)
    assert "Вопросы и ответы" not in names


def test_support_staff_do_not_see_the_moderation_menu(client, staff):
    client.force_login(staff)
    response = client.get("/admin/")
    if response.status_code == 200:
        assert "Модерация" not in labels(menu_of(response.content.decode()))


def test_the_answers_list_is_titled_in_the_plural_with_icons_and_moscow_time(client, moderator, shopper,
                                                                              other_shopper, product, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    question = qa_services.question_ask(author=shopper, product=product, title="Сколько весит ноутбук?")
    answer = qa_services.answer_post(author=other_shopper, question=question, text="Около двух килограммов.")
    Answer.objects.filter(pk=answer.pk).update(created=dt.datetime(2026, 5, 1, 4, 22, tzinfo=dt.UTC))
    Question.objects.filter(pk=question.pk).update(created=dt.datetime(2026, 5, 1, 4, 22, tzinfo=dt.UTC))
    client.force_login(moderator)
    page = client.get("/admin/snippets/qa/answer/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<title>Ответы" in page and "Ответов" not in page
    assert "7:22" in page and "4:22" not in page
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]
    assert not {"True", "False", "None"} & set(cells)
    assert "icon-cross" in page or "icon-success" in page
    questions = client.get("/admin/snippets/qa/question/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "moderation-title" in questions
    assert not {"True", "False", "None"} & {c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", questions, re.S)}
