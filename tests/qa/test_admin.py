"""Questions and answers in the Wagtail admin: the shared moderation viewsets, reused."""

from wagtail.models import ModelLogEntry

from community.moderation.models import Status
from community.moderation.services import flag
from community.qa.models import Question

QUESTIONS = "/admin/snippets/qa/question/"
ANSWERS = "/admin/snippets/qa/answer/"


def test_a_moderator_lists_questions_and_answers_with_the_status_and_flag_filters(
    client, moderator, question, answer, shopper, third_shopper, product
):
    from tests.qa import factories

    quiet = factories.ask(third_shopper, product, "Какой вес у ноутбука?")
    flag(reporter=third_shopper, content=question, reason="spam")
    client.force_login(moderator)
    everything = client.get(QUESTIONS).content.decode()
    assert question.title in everything and quiet.title in everything
    flagged = client.get(QUESTIONS, {"flagged": "true"}).content.decode()
    assert question.title in flagged and quiet.title not in flagged
    assert quiet.title not in client.get(QUESTIONS, {"status": "hidden"}).content.decode()
    answers = client.get(ANSWERS)
    assert answers.status_code == 200
    assert "Да, зарядка 65 Вт в коробке." in answers.content.decode()


def test_the_question_inspect_page_shows_flags_answers_and_the_live_link(client, moderator, question, answer,
                                                                         third_shopper):
    flag(reporter=third_shopper, content=question, reason="off_topic", text="не про товар")
    client.force_login(moderator)
    page = client.get(f"{QUESTIONS}inspect/{question.pk}/").content.decode()
    assert "не про товар" in page
    assert question.get_url() in page
    assert f"{ANSWERS}inspect/{answer.pk}/" in page
    assert f"{QUESTIONS}moderate/{question.pk}/" in page


def test_a_moderator_removes_a_question_it_is_logged_and_its_url_answers_410(client, moderator, question):
    client.force_login(moderator)
    response = client.post(f"{QUESTIONS}moderate/{question.pk}/", {"action": "remove", "reason": "Спам"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == Status.REMOVED
    assert ModelLogEntry.objects.filter(object_id=str(question.pk), action="community.moderation.remove").exists()
    client.logout()
    assert client.get(question.get_url()).status_code == 410


def test_hiding_an_answer_in_the_admin_uncounts_it(client, moderator, question, answer):
    client.force_login(moderator)
    client.post(f"{ANSWERS}moderate/{answer.pk}/", {"action": "hide", "reason": "Проверка"})
    assert Question.objects.get(pk=question.pk).answer_count == 0
    client.post(f"{ANSWERS}moderate/{answer.pk}/", {"action": "approve"})
    assert Question.objects.get(pk=question.pk).answer_count == 1


def test_an_authors_own_deletion_shows_in_the_audit_history(client, moderator, question, shopper):
    from community.qa import services

    services.question_delete(actor=shopper, question=question)
    client.force_login(moderator)
    page = client.get(f"{QUESTIONS}inspect/{question.pk}/").content.decode()
    assert "Удалено автором" in page


def test_shoppers_cannot_reach_the_qa_admin(client, shopper, question, answer):
    client.force_login(shopper)
    assert client.get(QUESTIONS).status_code in (302, 403)
    response = client.post(f"{ANSWERS}moderate/{answer.pk}/", {"action": "remove", "reason": "x"})
    assert response.status_code in (302, 403)
    answer.refresh_from_db()
    assert answer.status == Status.PUBLISHED
