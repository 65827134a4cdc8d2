"""Q&A pages: the product section, the question list, each question's own page, the ask flow."""

import json
import re

import pytest
from django.conf import settings as dj_settings
from django.utils import timezone

from community.moderation.models import Status
from community.qa import services
from community.qa.models import Answer, AnswerVote, Question
from tests.conftest import run_queued_tasks
from tests.factories import PASSWORD, PurchaseFactory
from tests.qa import factories


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def text_of(response) -> str:
    return response.content.decode()


# --- the question page ------------------------------------------------------------------------


def test_a_question_has_its_own_page_under_its_product(client, question, answer, product):
    from community.accounts.models import Profile

    Profile.objects.filter(user=answer.author).update(level="member")
    url = question.get_url()
    assert url.startswith(product.url + "questions/")
    response = client.get(url)
    content = text_of(response)
    assert response.status_code == 200
    assert "qa/question_page.html" in [t.name for t in response.templates]
    assert "<h1>Есть ли в комплекте зарядка?</h1>" in content
    assert "Да, зарядка 65 Вт в коробке." in content
    assert f'<link rel="canonical" href="{dj_settings.SITE_URL}{url}">' in content
    assert '"@type": "QAPage"' in content
    assert "noindex" not in content
    assert "Вопросы" in content and product.title in content  # breadcrumbs


def test_a_question_page_with_only_newcomers_content_is_noindex(client, question, answer):
    content = text_of(client.get(question.get_url()))
    assert '<meta name="robots" content="noindex">' in content


def test_a_wrong_slug_or_the_short_url_redirects_to_the_canonical_url(client, question, product):
    wrong = client.get(f"{product.url}questions/{question.pk}-something-else/")
    assert wrong.status_code == 301 and wrong["Location"] == question.get_url()
    short = client.get(f"{product.url}questions/{question.pk}/")
    assert short.status_code == 301 and short["Location"] == question.get_url()
    go = client.get(f"/qa/q/{question.pk}/")
    assert go.status_code == 302 and go["Location"] == question.get_url()


def test_a_question_is_only_found_under_its_own_product(client, question, page_tree):
    other = page_tree["products"][1]
    assert client.get(f"{other.url}questions/{question.pk}-{question.slug}/").status_code == 404
    assert client.get(f"{other.url}questions/999999-net/").status_code == 404


def test_the_accepted_answer_comes_first_then_by_score(client, question, shopper, other_shopper, third_shopper):
    low = factories.answer(other_shopper, question, "Первый ответ, без голосов.")
    high = factories.answer(third_shopper, question, "Второй ответ, полезный.")
    voter = factories.user("voter")
    services.answer_vote(voter=voter, answer=high, value=1)
    response = client.get(question.get_url())
    assert [a.pk for a in response.context["answers"]] == [high.pk, low.pk]
    services.answer_accept(actor=shopper, answer=low)
    response = client.get(question.get_url())
    assert [a.pk for a in response.context["answers"]] == [low.pk, high.pk]
    assert "Принят автором вопроса" in text_of(response)
    assert '"acceptedAnswer"' in text_of(response)


def test_shop_and_buyer_answers_are_marked(client, question, staff, other_shopper, product):
    PurchaseFactory(user=other_shopper, product=product)
    factories.answer(staff, question, "Ответ магазина.")
    factories.answer(other_shopper, question, "Ответ покупателя.")
    content = text_of(client.get(question.get_url()))
    assert content.count(">Магазин</span>") == 1
    assert content.count(">Купил(а) этот товар<") == 1  # its explanation follows as a tooltip


def test_other_apps_add_author_badges_through_one_hook(client, question, answer, other_shopper):
    from wagtail import hooks

    from community.qa.extensions import AuthorBadge

    calls = []

    def expert_badges(users, category):
        calls.append(category)
        return {other_shopper.pk: [AuthorBadge(key="expert", label="Эксперт", css_class="badge-expert")]}

    with hooks.register_temporarily("qa_author_badges", expert_badges):
        content = text_of(client.get(question.get_url()))
    assert 'class="badge badge-expert"' in content and ">Эксперт</span>" in content
    assert calls and all(c.title == "Ноутбуки" for c in calls)


def test_signed_in_users_answer_on_the_question_page(client, question, other_shopper):
    login(client, other_shopper)
    response = client.post(question.get_url(), {"text": "Да, есть, проверил сам."})
    answer = Answer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{question.get_url()}#answer-{answer.pk}"
    page = text_of(client.get(question.get_url()))
    assert "Да, есть, проверил сам." in page
    assert "Вы уже ответили на этот вопрос." in page
    assert 'id="answer-text"' not in page  # no second answer form


def test_answering_twice_over_the_web_shows_an_error_and_changes_nothing(client, question, answer, other_shopper):
    login(client, other_shopper)
    response = client.post(question.get_url(), {"text": "Ещё один ответ"})
    assert response.status_code == 400
    assert "Вы уже ответили на этот вопрос" in text_of(response)
    assert Answer.objects.count() == 1


@pytest.mark.parametrize("text", ["", "x" * 5001])
def test_an_empty_or_over_long_answer_gets_a_clear_message(client, question, other_shopper, text):
    login(client, other_shopper)
    response = client.post(question.get_url(), {"text": text})
    assert response.status_code == 400
    assert 'class="errorlist' in text_of(response)
    assert Answer.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_written(client, question, answer):
    posts = [
        (question.get_url(), {"text": "Аноним"}),
        (question.product.url + "questions/ask/", {"title": "Анонимный вопрос"}),
        (f"/qa/answers/{answer.pk}/vote/", {"value": "1"}),
        (f"/qa/answers/{answer.pk}/accept/", {}),
        (f"/qa/questions/{question.pk}/vote/", {}),
        (f"/qa/questions/{question.pk}/follow/", {}),
        (f"/qa/questions/{question.pk}/delete/", {}),
        (f"/qa/answers/{answer.pk}/report/", {"reason": "spam"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
        as_json = client.post(url, data, HTTP_ACCEPT="application/json")
        assert as_json.status_code == 401, url
        assert as_json.json()["error"]
    assert (Question.objects.count(), Answer.objects.count(), AnswerVote.objects.count()) == (1, 1, 0)
    assert Question.objects.get().status == Status.PUBLISHED


def test_votes_without_javascript_redirect_back_with_a_message(client, answer, shopper):
    login(client, shopper)
    response = client.post(f"/qa/answers/{answer.pk}/vote/", {"value": "1"}, follow=True)
    assert response.redirect_chain[0][0] == answer.get_url()
    assert "Спасибо за ваш голос" in text_of(response)
    assert 'aria-pressed="true"' in text_of(response)


def test_votes_with_javascript_answer_json(client, answer, shopper, other_shopper):
    login(client, shopper)
    response = client.post(f"/qa/answers/{answer.pk}/vote/", {"value": "-1"}, HTTP_ACCEPT="application/json")
    assert response.json() | {"message": ""} == {"ok": True, "message": "", "up": 0, "down": 1, "score": -1, "vote": -1}
    client.logout()
    login(client, other_shopper)
    own = client.post(f"/qa/answers/{answer.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json")
    assert own.status_code == 400
    assert own.json()["error"] == "Нельзя голосовать за собственный ответ."


def test_voting_on_ones_own_answer_over_the_web_shows_a_message(client, answer, other_shopper):
    login(client, other_shopper)
    response = client.post(f"/qa/answers/{answer.pk}/vote/", {"value": "1"}, follow=True)
    assert "Нельзя голосовать за собственный ответ." in text_of(response)
    assert not AnswerVote.objects.exists()


def test_the_asker_accepts_over_the_web_and_others_are_refused(client, question, answer, shopper, third_shopper):
    login(client, third_shopper)
    refused = client.post(f"/qa/answers/{answer.pk}/accept/", follow=True)
    assert "Принять ответ может только автор вопроса." in text_of(refused)
    assert client.post(f"/qa/answers/{answer.pk}/accept/", HTTP_ACCEPT="application/json").status_code == 403
    question.refresh_from_db()
    assert question.accepted_answer is None
    client.logout()
    login(client, shopper)
    page = text_of(client.get(question.get_url()))
    assert "Принять этот ответ" in page
    client.post(f"/qa/answers/{answer.pk}/accept/")
    question.refresh_from_db()
    assert question.accepted_answer == answer


def test_same_question_vote_and_follow_buttons(client, question, other_shopper):
    login(client, other_shopper)
    client.post(f"/qa/questions/{question.pk}/vote/")
    page = text_of(client.get(question.get_url()))
    assert re.search(r'aria-pressed="true">У меня тот же вопрос <span class="badge" data-qa-same-count>1</span>', page)
    assert "Не следить" in page
    client.post(f"/qa/questions/{question.pk}/follow/", {"action": "unfollow"})
    assert "Следить за ответами" in text_of(client.get(question.get_url()))


def test_the_author_edits_and_deletes_their_question(client, question, shopper, other_shopper):
    login(client, other_shopper)
    assert client.get(f"/qa/questions/{question.pk}/edit/").status_code == 403
    client.logout()
    login(client, shopper)
    assert client.get(f"/qa/questions/{question.pk}/edit/").status_code == 200
    too_long = client.post(f"/qa/questions/{question.pk}/edit/", {"title": "Я" * 201})
    assert too_long.status_code == 400
    response = client.post(f"/qa/questions/{question.pk}/edit/", {"title": "Какой блок питания в комплекте?"})
    question.refresh_from_db()
    assert response["Location"] == question.get_url()
    assert question.title == "Какой блок питания в комплекте?"
    client.post(f"/qa/questions/{question.pk}/delete/")
    assert client.get(question.get_url()).status_code == 410


def test_the_author_edits_their_answer(client, answer, other_shopper):
    login(client, other_shopper)
    response = client.post(f"/qa/answers/{answer.pk}/edit/", {"text": "Исправленный ответ"})
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.text == "Исправленный ответ" and answer.edited_at
    assert client.post(f"/qa/answers/{answer.pk}/edit/", {"text": ""}).status_code == 400


# --- moderation on the pages ------------------------------------------------------------------


def test_a_removed_question_answers_410(client, question, moderator):
    from community.moderation.services import moderate

    moderate(moderator=moderator, content=question, action="remove", reason="Спам")
    response = client.get(question.get_url())
    assert response.status_code == 410
    assert "Вопрос удалён" in text_of(response)
    assert "noindex" in text_of(response)


def test_pending_content_is_seen_only_by_its_author_marked_and_by_moderators(
    client, newcomer, other_shopper, moderator, product, settings
):
    settings.MODERATION_PREMODERATE_FIRST = 1
    question = factories.ask(newcomer, product, "Подойдёт ли для монтажа видео?")
    url = question.get_url()
    assert client.get(url).status_code == 404
    login(client, other_shopper)
    assert client.get(url).status_code == 404
    assert "Подойдёт ли" not in text_of(client.get(product.url))
    client.logout()
    login(client, newcomer)
    own = client.get(url)
    assert own.status_code == 200
    assert "На модерации" in text_of(own)
    assert '<meta name="robots" content="noindex">' in text_of(own)
    assert "Подойдёт ли" in text_of(client.get(product.url))
    client.logout()
    login(client, moderator)
    assert client.get(url).status_code == 200


def test_pending_answers_are_marked_for_their_author_and_hidden_from_others(
    client, question, newcomer, third_shopper, settings
):
    settings.MODERATION_PREMODERATE_FIRST = 1
    factories.answer(newcomer, question, "Ответ новичка")
    assert "Ответ новичка" not in text_of(client.get(question.get_url()))
    login(client, newcomer)
    page = text_of(client.get(question.get_url()))
    assert "Ответ новичка" in page and "На модерации" in page
    client.logout()
    login(client, third_shopper)
    assert "Ответ новичка" not in text_of(client.get(question.get_url()))


def test_flagging_an_answer_from_its_page(client, answer, third_shopper):
    from community.moderation.models import Flag

    login(client, third_shopper)
    form = client.get(f"/qa/answers/{answer.pk}/report/")
    assert form.status_code == 200 and "<legend>" in text_of(form)
    assert client.post(f"/qa/answers/{answer.pk}/report/", {}).status_code == 400
    done = client.post(f"/qa/answers/{answer.pk}/report/", {"reason": "spam", "text": "реклама"}, follow=True)
    assert "модераторы посмотрят" in text_of(done)
    assert Flag.objects.get().content == answer
    again = client.post(f"/qa/answers/{answer.pk}/report/", {"reason": "spam"}, follow=True)
    assert "Вы уже пожаловались" in text_of(again)
    assert Flag.objects.count() == 1


# --- the product section and the list ---------------------------------------------------------


def test_the_product_page_shows_top_questions_with_their_best_answers(client, product, shopper, other_shopper,
                                                                     third_shopper):
    quiet = factories.ask(shopper, product, "Тихий ли вентилятор?")
    busy = factories.ask(other_shopper, product, "Сколько держит батарея?")
    factories.answer(third_shopper, busy, "Около пяти часов в браузере.")
    factories.answer(shopper, busy, "У меня шесть часов.")
    services.answer_vote(voter=other_shopper, answer=busy.answers.get(author=shopper), value=1)
    response = client.get(product.url)
    content = text_of(response)
    assert '<h2 id="qa-heading">Вопросы и ответы</h2>' in content
    block = response.context["qa_block"]
    assert [q.pk for q in block.questions] == [busy.pk, quiet.pk]
    assert block.questions[0].best_answer.text == "У меня шесть часов."
    assert block.total == 2
    assert "Все вопросы (2)" in content
    assert "Войдите, чтобы задать вопрос" in content


def test_the_question_list_sorts_and_paginates_with_self_canonical_pages(client, product, shopper):
    authors = factories.bulk_users(5)
    questions = factories.bulk_questions(product, authors, 45)
    url = product.url + "questions/"
    first = client.get(url)
    assert first.status_code == 200
    assert len(first.context["questions"].object_list) == 20
    assert first.context["questions"].object_list[0].pk == questions[0].pk  # newest first
    second = client.get(url, {"page": 2})
    assert f'<link rel="canonical" href="{dj_settings.SITE_URL}{url}?page=2">' in text_of(second)
    votes = client.get(url, {"sort": "votes"})
    listed = votes.context["questions"].object_list
    assert [q.vote_score for q in listed] == sorted((q.vote_score for q in listed), reverse=True)
    assert f'<link rel="canonical" href="{dj_settings.SITE_URL}{url}?sort=votes">' in text_of(votes)
    unanswered = client.get(url, {"sort": "unanswered"})
    assert unanswered.context["questions"].paginator.count == 22
    assert all(q.answer_count == 0 for q in unanswered.context["questions"].object_list)
    assert client.get(url, {"page": "abc", "sort": "nonsense"}).status_code == 200


def test_the_list_shows_removed_questions_to_nobody(client, product, question, moderator):
    from community.moderation.services import moderate

    moderate(moderator=moderator, content=question, action="remove", reason="Спам")
    assert client.get(product.url + "questions/").context["questions"].paginator.count == 0


# --- asking and similar questions -------------------------------------------------------------


def test_similar_questions_are_suggested_as_json(client, product, shopper, other_shopper,
                                                 django_capture_on_commit_callbacks):
    # Found by the site's search engine (a hook the search app registers): the questions are
    # indexed after their commit, by the background task queue.
    with django_capture_on_commit_callbacks(execute=True):
        factories.ask(shopper, product, "Есть ли в комплекте зарядное устройство?")
        factories.ask(shopper, product, "Какая ёмкость батареи?")
    run_queued_tasks()
    response = client.get("/qa/similar/", {"product": product.pk, "q": "зарядка в комплекте"})
    results = response.json()["results"]
    assert [r["title"] for r in results] == ["Есть ли в комплекте зарядное устройство?"]
    assert results[0]["url"].startswith(product.url + "questions/")
    assert results[0]["answers_label"] == "0 ответов"
    assert client.get("/qa/similar/", {"product": product.pk, "q": "как"}).json() == {"results": []}
    assert client.get("/qa/similar/", {"product": "x", "q": "зарядка"}).status_code == 400
    assert client.get("/qa/similar/", {"product": 999999, "q": "зарядка"}).status_code == 404


def test_without_javascript_a_did_you_mean_step_comes_before_posting(client, product, shopper, other_shopper,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        existing = factories.ask(shopper, product, "Есть ли в комплекте зарядное устройство?")
    run_queued_tasks()
    login(client, other_shopper)
    ask_url = product.url + "questions/ask/"
    step = client.post(ask_url, {"title": "Зарядка в комплекте идёт?", "details": "Нужен блок питания"})
    assert step.status_code == 200
    content = text_of(step)
    assert "Может быть, вы имели в виду" in content
    assert existing.get_url() in content
    assert 'name="similar_checked" value="True"' in content
    assert "Всё равно задать вопрос" in content
    assert Question.objects.count() == 1
    posted = client.post(ask_url, {"title": "Зарядка в комплекте идёт?", "details": "Нужен блок питания",
                                   "similar_checked": "True"})
    question = Question.objects.latest("pk")
    assert posted["Location"] == question.get_url()
    assert question.details == "Нужен блок питания"


def test_a_question_without_similar_ones_is_posted_at_once(client, product, other_shopper):
    login(client, other_shopper)
    response = client.post(product.url + "questions/ask/", {"title": "Поддерживает ли Wi-Fi 6E?"})
    assert response.status_code == 302
    assert Question.objects.get().title == "Поддерживает ли Wi-Fi 6E?"


@pytest.mark.parametrize(("title", "message"), [("", "Требуется заполнить это поле."),
                                                ("Я" * 201, "не более 200 символов")])
def test_a_bad_title_over_the_web_gets_a_clear_message(client, product, other_shopper, title, message):
    login(client, other_shopper)
    response = client.post(product.url + "questions/ask/", {"title": title})
    assert response.status_code == 400
    assert message in text_of(response)
    assert Question.objects.count() == 0


def test_the_ask_page_needs_a_login(client, product):
    response = client.get(product.url + "questions/ask/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_personal_account_lists_my_questions_and_answers(client, question, answer, other_shopper):
    login(client, other_shopper)
    content = text_of(client.get("/cabinet/"))
    assert "Мои вопросы и ответы" in content
    assert question.title in content


def test_jsonld_is_valid_json_and_cannot_break_out_of_its_script(client, shopper, product, other_shopper):
    question = factories.ask(shopper, product, "Что значит </script><b>?")
    factories.answer(other_shopper, question, "Ответ со </script> внутри")
    content = text_of(client.get(question.get_url()))
    payload = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S).group(1)
    data = json.loads(payload)
    assert data["mainEntity"]["name"] == "Что значит </script><b>?"
    assert data["mainEntity"]["answerCount"] == 1


def test_the_sitemap_section_lists_only_published_questions(question, shopper, product, moderator):
    from community.moderation.services import moderate
    from community.qa.seo import QuestionSitemap

    removed = factories.ask(shopper, product, "Удалённый вопрос о товаре")
    moderate(moderator=moderator, content=removed, action="remove", reason="Спам")
    # Only indexable questions are listed: the asker is past Newcomer.
    question.author.profile.level = "member"
    question.author.profile.save(update_fields=["level"])
    sitemap = QuestionSitemap()
    items = list(sitemap.items())
    assert [sitemap.location(q) for q in items] == [question.get_url()]
    assert sitemap.lastmod(items[0]) <= timezone.now()


def test_every_qa_page_is_valid_html_with_labelled_controls(client, product, question, answer, shopper,
                                                            other_shopper, third_shopper, moderator,
                                                            django_capture_on_commit_callbacks):
    from community.moderation.services import moderate
    from tests.html_checks import assert_healthy_page

    with django_capture_on_commit_callbacks(execute=True):  # indexed: «similar questions» find it
        factories.ask(third_shopper, product, "Есть ли в комплекте зарядное устройство?")
    run_queued_tasks()
    gone = factories.ask(third_shopper, product, "Удалённый вопрос про товар")
    moderate(moderator=moderator, content=gone, action="remove", reason="Спам")
    pages = {
        "anonymous": [product.url, question.get_url(), product.url + "questions/", gone.get_url()],
        shopper: [product.url, question.get_url(), product.url + "questions/?sort=votes", product.url + "questions/ask/",
                  f"/qa/questions/{question.pk}/edit/"],
        other_shopper: [question.get_url(), f"/qa/answers/{answer.pk}/edit/", f"/qa/questions/{question.pk}/report/"],
        third_shopper: [question.get_url(), f"/qa/answers/{answer.pk}/report/"],
    }
    for who, urls in pages.items():
        client.logout()
        if who != "anonymous":
            login(client, who)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 410), url
            assert_healthy_page(text_of(response))
    login(client, other_shopper)
    step = client.post(product.url + "questions/ask/", {"title": "Зарядка в комплекте идёт?"})
    assert "Может быть, вы имели в виду" in text_of(step)
    assert_healthy_page(text_of(step))
    invalid = client.post(question.get_url(), {"text": ""})
    assert_healthy_page(text_of(invalid))


def test_answers_come_20_a_page_accepted_first_then_by_votes_each_page_self_canonical(client, question, shopper):
    authors = factories.bulk_users(45, prefix="pager")
    answers = factories.bulk_answers(question, authors)
    accepted = answers[44]  # score 0: only acceptance puts it first
    services.answer_accept(actor=shopper, answer=accepted)
    url = question.get_url()

    first = client.get(url)
    shown = list(first.context["answers"])
    assert len(shown) == 20 and shown[0].pk == accepted.pk
    scores = [a.score for a in shown[1:]]
    assert scores == sorted(scores, reverse=True)
    content = text_of(first)
    assert f'<link rel="canonical" href="{dj_settings.SITE_URL}{url}">' in content
    assert 'href="?page=2#answers-heading" data-qa-more>Показать ещё</a>' in content

    second = client.get(f"{url}?page=2")
    content = text_of(second)
    assert second.status_code == 200 and len(second.context["answers"]) == 20
    assert f'<link rel="canonical" href="{dj_settings.SITE_URL}{url}?page=2">' in content
    assert "страница 2" in content.split("</title>")[0]
    assert not {a.pk for a in shown} & {a.pk for a in second.context["answers"]}

    last = client.get(f"{url}?page=3")
    assert len(last.context["answers"]) == 5 and "data-qa-more" not in text_of(last)
    assert client.get(f"{url}?page=4").status_code == 404
    assert client.get(f"{url}?page=abc").status_code == 404
    assert client.get(f"{url}?page=0").status_code == 404
    one = client.get(f"{url}?page=1")
    assert one.status_code == 301 and one["Location"] == url
