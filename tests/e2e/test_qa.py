"""Q&A in a real browser: ask (with similar questions suggested while typing), answer, accept."""

import io
import re
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from community.moderation.models import Status
from community.qa.models import Answer, Question
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def shopper(username: str):
    """A verified user whose password the daphne process can check (it uses the default hasher)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = UserFactory(username=username, verified=True)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


def log_in(page, user, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Имя пользователя или эл. почта:").fill(user.username)
    page.get_by_label("Пароль:").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(f"**{next_url}")


def log_out(page) -> None:
    page.get_by_role("button", name="Выйти").click()
    page.get_by_role("link", name="Войти").wait_for()


def test_a_shopper_asks_another_answers_and_the_asker_accepts(page_tree, browser_page, screenshot):
    product = page_tree["products"][0]
    asker = shopper("hamlet")
    helper = shopper("ophelia")
    # Both have published before, so nothing of theirs waits for pre-moderation.
    Question.objects.create(
        product=product, author=helper, title="Есть ли в комплекте зарядное устройство?", slug="est-li-zaryadka",
        title_terms=" есть компл заряд устро ", status=Status.PUBLISHED,
    )
    Question.objects.create(
        product=page_tree["products"][1], author=asker, title="Какой вес у ноутбука?", slug="kakoy-ves",
        title_terms=" какой вес ноутб ", status=Status.PUBLISHED,
    )
    call_command("reindex", stdout=io.StringIO())  # «similar questions» come from the search index
    page = browser_page

    # The asker types a question on the product page and sees a similar one suggested.
    log_in(page, asker, product.url)
    title = page.get_by_label("Ваш вопрос:")
    title.scroll_into_view_if_needed()
    title.press_sequentially("Какая мощность зарядки в комплекте?", delay=20)
    suggestion = page.locator("[data-qa-similar]").get_by_role("link", name="Есть ли в комплекте зарядное устройство?")
    suggestion.wait_for()
    assert page.locator("[data-qa-similar]").is_visible()
    screenshot(page, "qa-01-similar-suggested")
    page.get_by_label("Подробности (необязательно):").fill("Хочу понять, нужен ли отдельный блок питания.")
    page.get_by_role("button", name="Задать вопрос").click()
    page.get_by_role("heading", level=1, name="Какая мощность зарядки в комплекте?").wait_for()
    question = Question.objects.get(title="Какая мощность зарядки в комплекте?")
    assert question.status == Status.PUBLISHED
    assert urlparse(page.url).path == question.get_url()
    assert page.get_by_text("Вопрос опубликован").is_visible()
    screenshot(page, "qa-02-question-page")
    log_out(page)

    # Another shopper answers on the question's own page.
    log_in(page, helper, question.get_url())
    page.get_by_label("Ваш ответ:").fill("В коробке блок на 240 Вт и отдельный USB-C на 100 Вт не нужен.")
    page.get_by_role("button", name="Ответить").click()
    page.get_by_text("Ответ опубликован").wait_for()
    answer = Answer.objects.get(question=question)
    assert page.locator(f"#answer-{answer.pk}").get_by_text("В коробке блок на 240 Вт").is_visible()
    log_out(page)

    # The asker accepts it: it is marked and shown first.
    log_in(page, asker, question.get_url())
    page.get_by_role("button", name="Принять этот ответ").click()
    page.get_by_text("Вы приняли этот ответ").wait_for()
    accepted = page.locator(f"#answer-{answer.pk}")
    assert accepted.get_by_text("Принят автором вопроса").is_visible()
    screenshot(page, "qa-03-accepted")
    question.refresh_from_db()
    assert question.accepted_answer_id == answer.pk
    assert question.answer_count == 1


def test_votes_on_answers_work_without_reloading(page_tree, browser_page):
    product = page_tree["products"][0]
    asker = shopper("hamlet")
    helper = shopper("ophelia")
    voter = shopper("horatio")
    question = Question.objects.create(product=product, author=asker, title="Сколько держит батарея?",
                                       slug="skolko-derzhit", status=Status.PUBLISHED, answer_count=1)
    answer = Answer.objects.create(question=question, author=helper, text="Часов шесть.",
                                   text_html="<p>Часов шесть.</p>", text_excerpt="Часов шесть.",
                                   status=Status.PUBLISHED)
    page = browser_page
    log_in(page, voter, question.get_url())
    url_before = page.url
    helpful = page.locator(f"#answer-{answer.pk}").get_by_role("button", name=re.compile(r"^Полезно"))
    helpful.click()
    page.locator(f"#answer-{answer.pk} [data-qa-up]").filter(has_text="1").wait_for()
    assert helpful.get_attribute("aria-pressed") == "true"
    assert page.url == url_before
    answer.refresh_from_db()
    assert (answer.up_count, answer.score) == (1, 1)


def test_show_more_loads_the_next_page_of_answers_in_place_and_its_votes_work(page_tree, browser_page):
    from tests.qa import factories as qa_factories

    product = page_tree["products"][0]
    asker = shopper("hamlet")
    voter = shopper("horatio")
    question = Question.objects.create(product=product, author=asker, title="Сколько держит батарея?",
                                       slug="skolko-derzhit", status=Status.PUBLISHED)
    answers = qa_factories.bulk_answers(question, qa_factories.bulk_users(45, prefix="e2e"))
    page = browser_page
    log_in(page, voter, question.get_url())
    assert page.locator("[data-qa-answers] > .qa-answer").count() == 20
    url_before = page.url
    page.get_by_role("link", name="Показать ещё").click()
    items = page.locator("[data-qa-answers] > .qa-answer")
    items.nth(39).wait_for()  # (the page's CSP forbids wait_for_function's eval)
    assert page.url == url_before, "loaded in place"
    page.get_by_role("link", name="Показать ещё").click()
    items.nth(44).wait_for()
    assert items.count() == 45
    assert page.get_by_role("link", name="Показать ещё").count() == 0
    ids = [items.nth(n).get_attribute("id") for n in range(45)]
    assert len(set(ids)) == 45
    # A vote on an answer that came from the third page is sent without reloading.
    last = next(a for a in answers if f"answer-{a.pk}" == ids[-1])
    page.locator(f"#answer-{last.pk}").get_by_role("button", name=re.compile(r"^Полезно")).click()
    page.locator(f"#answer-{last.pk} [data-qa-up]").filter(has_text=str(last.up_count + 1)).wait_for()
    assert page.url == url_before
