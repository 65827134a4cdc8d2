"""The write paths of Q&A: what they do, what they refuse, which events they send."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from wagtail.models import ModelLogEntry

from community.moderation.models import Status
from community.qa import services
from community.qa.models import Answer, AnswerVote, Question, QuestionFollow, QuestionVote
from community.qa.services import QAError
from tests.factories import PurchaseFactory
from tests.qa import factories


def refreshed(obj):
    obj.refresh_from_db()
    return obj


# --- asking -----------------------------------------------------------------------------------


def test_a_shopper_asks_a_question_and_follows_it(shopper, product):
    question = services.question_ask(author=shopper, product=product, title="  Есть ли   в комплекте зарядка? ",
                                     details="Нужна **зарядка** <script>alert(1)</script>")
    assert question.title == "Есть ли в комплекте зарядка?"
    assert question.slug == "est-li-v-komplekte-zaryadka"
    assert question.status == Status.PUBLISHED
    assert "<script>" not in question.details_html
    assert question.details.startswith("Нужна")
    assert QuestionFollow.objects.filter(question=question, user=shopper).exists()
    assert question.get_url() == f"{product.url}questions/{question.pk}-est-li-v-komplekte-zaryadka/"


def test_asking_tells_the_verified_buyers_but_not_the_asker(shopper, other_shopper, third_shopper, page_tree, received):
    product, other_product = page_tree["products"][:2]
    PurchaseFactory(user=other_shopper, product=product)
    PurchaseFactory(user=other_shopper, product=product)  # two orders: still told once
    PurchaseFactory(user=shopper, product=product)  # the asker bought it too
    PurchaseFactory(user=third_shopper, product=product)
    PurchaseFactory(user=factories.user("rosencrantz"), product=other_product)  # bought something else
    question = factories.ask(shopper, product)
    [event] = received["question_asked"]
    assert event["question"] == question
    assert {u.username for u in event["recipients"]} == {"ophelia", "laertes"}


def test_other_apps_add_recipients_through_the_hook(shopper, other_shopper, product, received):
    from wagtail import hooks

    def experts(question):
        return [other_shopper, shopper]  # the asker is filtered out, even when a hook names them

    with hooks.register_temporarily("qa_question_recipients", experts):
        factories.ask(shopper, product)
    assert [u.username for u in received["question_asked"][0]["recipients"]] == ["ophelia"]


@pytest.mark.parametrize(("title", "code"), [("", "required"), ("   ", "required"), ("Как?", "min_length"),
                                             ("Я" * 201, "max_length")])
def test_a_bad_title_is_refused_and_nothing_is_written(shopper, product, title, code, received):
    with pytest.raises(QAError) as error:
        services.question_ask(author=shopper, product=product, title=title)
    assert error.value.code == code
    assert error.value.field == "title"
    assert str(error.value)
    assert Question.objects.count() == 0
    assert received["question_asked"] == []


def test_a_title_of_exactly_200_characters_is_fine(shopper, product):
    assert len(services.question_ask(author=shopper, product=product, title="Я" * 200).title) == 200


def test_over_long_details_are_refused(shopper, product):
    with pytest.raises(QAError) as error:
        services.question_ask(author=shopper, product=product, title="Какая ёмкость батареи?", details="x" * 5001)
    assert error.value.field == "details"
    assert Question.objects.count() == 0


def test_anonymous_users_cannot_write_anything(question, answer, product):
    anonymous = AnonymousUser()
    calls = [
        lambda: services.question_ask(author=anonymous, product=product, title="Анонимный вопрос"),
        lambda: services.answer_post(author=anonymous, question=question, text="ответ"),
        lambda: services.answer_vote(voter=anonymous, answer=answer, value=1),
        lambda: services.question_vote(voter=anonymous, question=question),
        lambda: services.answer_accept(actor=anonymous, answer=answer),
        lambda: services.question_follow(user=anonymous, question=question),
        lambda: services.answer_update(actor=anonymous, answer=answer, text="правка"),
        lambda: services.question_delete(actor=None, question=question),
    ]
    for call in calls:
        with pytest.raises(QAError) as error:
            call()
        assert error.value.code == "login_required"
    assert (Question.objects.count(), Answer.objects.count(), AnswerVote.objects.count()) == (1, 1, 0)


def test_new_users_questions_wait_for_moderation_and_are_announced_on_approval(
    newcomer, other_shopper, product, moderator, settings, received
):
    from community.moderation.services import moderate

    settings.MODERATION_PREMODERATE_FIRST = 1
    PurchaseFactory(user=other_shopper, product=product)
    question = factories.ask(newcomer, product)
    assert question.status == Status.PENDING
    assert received["question_asked"] == []
    moderate(moderator=moderator, content=question, action="approve")
    assert [e["question"].pk for e in received["question_asked"]] == [question.pk]
    assert [u.username for u in received["question_asked"][0]["recipients"]] == ["ophelia"]
    moderate(moderator=moderator, content=question, action="hide", reason="проверка")
    moderate(moderator=moderator, content=question, action="approve")
    assert len(received["question_asked"]) == 1, "a question is announced once"


def test_the_asker_edits_the_question_and_its_slug_follows(question, shopper, other_shopper):
    services.question_update(actor=shopper, question=question, title="Какой блок питания в комплекте?", details="")
    question = refreshed(question)
    assert question.slug == "kakoy-blok-pitaniya-v-komplekte"
    assert question.edited_at is not None
    with pytest.raises(QAError):
        services.question_update(actor=other_shopper, question=question, title="Чужая правка вопроса")
    assert refreshed(question).title == "Какой блок питания в комплекте?"


# --- answering --------------------------------------------------------------------------------


def test_any_signed_in_user_answers_and_the_answer_is_counted(question, other_shopper, received):
    answer = services.answer_post(author=other_shopper, question=question, text="Да, есть: https://example.com")
    assert answer.status == Status.PUBLISHED
    assert 'rel="ugc nofollow noopener"' in answer.text_html
    assert refreshed(question).answer_count == 1
    assert [e["answer"] for e in received["answer_posted"]] == [answer]


def test_answering_twice_is_refused_and_the_first_answer_stays(question, answer, other_shopper):
    with pytest.raises(QAError) as error:
        services.answer_post(author=other_shopper, question=question, text="Второй ответ")
    assert error.value.code == "duplicate"
    assert Answer.objects.get().text == answer.text
    assert refreshed(question).answer_count == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001])
def test_an_empty_or_over_long_answer_is_refused(question, other_shopper, text):
    with pytest.raises(QAError) as error:
        services.answer_post(author=other_shopper, question=question, text=text)
    assert error.value.field == "text"
    assert Answer.objects.count() == 0
    assert refreshed(question).answer_count == 0


def test_staff_answers_are_the_shops_and_buyers_answers_are_marked(question, staff, other_shopper, third_shopper, product):
    PurchaseFactory(user=other_shopper, product=product)
    by_staff = factories.answer(staff, question, "Добрый день! Зарядка в комплекте.")
    by_buyer = factories.answer(other_shopper, question)
    by_someone = factories.answer(third_shopper, question)
    assert (by_staff.is_staff_answer, by_staff.is_verified_buyer) == (True, False)
    assert (by_buyer.is_staff_answer, by_buyer.is_verified_buyer) == (False, True)
    assert (by_someone.is_staff_answer, by_someone.is_verified_buyer) == (False, False)


def test_answers_to_unpublished_questions_are_refused(newcomer, other_shopper, product, settings):
    settings.MODERATION_PREMODERATE_FIRST = 1
    pending = factories.ask(newcomer, product)
    with pytest.raises(QAError):
        services.answer_post(author=other_shopper, question=pending, text="Ответ")
    assert Answer.objects.count() == 0


def test_a_pending_answer_is_counted_once_approved(question, newcomer, moderator, settings, received):
    from community.moderation.services import moderate

    settings.MODERATION_PREMODERATE_FIRST = 1
    answer = factories.answer(newcomer, question)
    assert answer.status == Status.PENDING
    assert refreshed(question).answer_count == 0
    assert received["answer_posted"] == []
    moderate(moderator=moderator, content=answer, action="approve")
    assert refreshed(question).answer_count == 1
    assert [e["answer"].pk for e in received["answer_posted"]] == [answer.pk]


def test_the_author_edits_an_answer_and_others_cannot(answer, other_shopper, shopper):
    services.answer_update(actor=other_shopper, answer=answer, text="Уточнение: 65 Вт, USB-C.")
    assert refreshed(answer).text == "Уточнение: 65 Вт, USB-C."
    assert answer.edited_at is not None
    with pytest.raises(QAError) as error:
        services.answer_update(actor=shopper, answer=answer, text="Чужая правка")
    assert error.value.code == "forbidden"
    assert refreshed(answer).text == "Уточнение: 65 Вт, USB-C."


def test_deleting_an_answer_uncounts_it_logs_it_and_lets_the_author_answer_again(
    question, answer, other_shopper, third_shopper, received
):
    services.answer_vote(voter=third_shopper, answer=answer, value=1)
    services.answer_delete(actor=other_shopper, answer=answer)
    answer = refreshed(answer)
    assert answer.status == Status.REMOVED
    assert refreshed(question).answer_count == 0
    assert ModelLogEntry.objects.filter(action=services.DELETE_LOG_ACTION, object_id=str(answer.pk)).exists()
    [event] = received["content_moderated"]
    assert (event["action"], event["moderator"], event["previous_status"]) == ("remove", other_shopper, "published")
    again = services.answer_post(author=other_shopper, question=question, text="Новый ответ")
    assert again.status == Status.PUBLISHED
    assert refreshed(question).answer_count == 1
    assert not AnswerVote.objects.exists()


def test_an_answer_removed_by_a_moderator_cannot_be_reposted(question, answer, other_shopper, moderator):
    from community.moderation.services import moderate

    moderate(moderator=moderator, content=answer, action="remove", reason="Реклама")
    with pytest.raises(QAError):
        services.answer_post(author=other_shopper, question=question, text="Снова реклама")


def test_only_the_author_deletes(answer, question, shopper, other_shopper):
    with pytest.raises(QAError):
        services.answer_delete(actor=shopper, answer=answer)
    with pytest.raises(QAError):
        services.question_delete(actor=other_shopper, question=question)
    assert refreshed(answer).status == Status.PUBLISHED
    services.question_delete(actor=shopper, question=question)
    assert refreshed(question).status == Status.REMOVED


# --- answer votes -----------------------------------------------------------------------------


def test_votes_move_the_counters_and_send_answer_voted(answer, shopper, third_shopper, received):
    first = services.answer_vote(voter=shopper, answer=answer, value=1)
    services.answer_vote(voter=third_shopper, answer=answer, value=-1)
    answer = refreshed(answer)
    assert (answer.up_count, answer.down_count, answer.score) == (1, 1, 0)
    assert received["answer_voted"][0] == {"vote": first, "previous": None}


def test_a_vote_can_be_changed_and_withdrawn_within_five_minutes(answer, shopper, received):
    services.answer_vote(voter=shopper, answer=answer, value=1)
    changed = services.answer_vote(voter=shopper, answer=answer, value=-1)
    assert (refreshed(answer).up_count, answer.down_count, answer.score) == (0, 1, -1)
    assert received["answer_voted"][1]["previous"].value == 1
    assert received["answer_voted"][1]["vote"] == changed
    assert services.answer_vote(voter=shopper, answer=answer, value=0) is None
    assert (refreshed(answer).up_count, answer.down_count, answer.score) == (0, 0, 0)
    assert received["answer_voted"][2]["vote"] is None
    assert received["answer_voted"][2]["previous"].value == -1


def test_after_five_minutes_a_vote_is_locked(answer, shopper):
    vote = services.answer_vote(voter=shopper, answer=answer, value=1)
    AnswerVote.objects.filter(pk=vote.pk).update(created=timezone.now() - timezone.timedelta(minutes=6))
    for value in (-1, 0):
        with pytest.raises(QAError) as error:
            services.answer_vote(voter=shopper, answer=answer, value=value)
        assert error.value.code == "locked"
    assert AnswerVote.objects.get().value == 1
    assert refreshed(answer).score == 1


def test_nobody_votes_on_their_own_answer(answer, other_shopper, received):
    with pytest.raises(QAError) as error:
        services.answer_vote(voter=other_shopper, answer=answer, value=1)
    assert error.value.code == "own_content"
    assert not AnswerVote.objects.exists()
    assert refreshed(answer).up_count == 0
    assert received["answer_voted"] == []


def test_the_same_vote_twice_and_unknown_votes_are_refused(answer, shopper):
    services.answer_vote(voter=shopper, answer=answer, value=1)
    with pytest.raises(QAError):
        services.answer_vote(voter=shopper, answer=answer, value=1)
    with pytest.raises(QAError):
        services.answer_vote(voter=shopper, answer=answer, value=5)
    assert refreshed(answer).up_count == 1


def test_votes_on_unpublished_answers_are_refused(answer, shopper, moderator):
    from community.moderation.services import moderate

    moderate(moderator=moderator, content=answer, action="hide", reason="проверка")
    with pytest.raises(QAError):
        services.answer_vote(voter=shopper, answer=answer, value=1)


# --- question votes and follows ---------------------------------------------------------------


def test_same_question_votes_count_and_make_the_voter_follow(question, other_shopper, received):
    vote = services.question_vote(voter=other_shopper, question=question)
    assert refreshed(question).vote_score == 1
    assert QuestionFollow.objects.filter(question=question, user=other_shopper).exists()
    assert received["question_voted"] == [{"vote": vote, "previous": None}]
    with pytest.raises(QAError):
        services.question_vote(voter=other_shopper, question=question)
    assert refreshed(question).vote_score == 1


def test_a_same_question_vote_is_withdrawn_within_five_minutes_only(question, other_shopper, third_shopper, received):
    services.question_vote(voter=other_shopper, question=question)
    assert services.question_vote(voter=other_shopper, question=question, up=False) is None
    assert refreshed(question).vote_score == 0
    assert received["question_voted"][1]["vote"] is None
    services.question_vote(voter=third_shopper, question=question)
    QuestionVote.objects.update(created=timezone.now() - timezone.timedelta(minutes=6))
    with pytest.raises(QAError):
        services.question_vote(voter=third_shopper, question=question, up=False)
    assert refreshed(question).vote_score == 1


def test_the_asker_cannot_vote_for_their_own_question(question, shopper):
    with pytest.raises(QAError) as error:
        services.question_vote(voter=shopper, question=question)
    assert error.value.code == "own_content"
    assert refreshed(question).vote_score == 0


def test_following_and_unfollowing(question, other_shopper):
    services.question_follow(user=other_shopper, question=question)
    services.question_follow(user=other_shopper, question=question)
    assert QuestionFollow.objects.filter(user=other_shopper).count() == 1
    services.question_follow(user=other_shopper, question=question, follow=False)
    assert not QuestionFollow.objects.filter(user=other_shopper).exists()


# --- accepting --------------------------------------------------------------------------------


def test_the_asker_accepts_an_answer_and_can_change_it(question, answer, shopper, third_shopper, received):
    second = factories.answer(third_shopper, question, "Зарядки нет, только кабель.")
    services.answer_accept(actor=shopper, answer=answer)
    assert refreshed(question).accepted_answer == answer
    assert received["answer_accepted"][0] == {"answer": answer, "previous_answer": None, "actor": shopper}
    services.answer_accept(actor=shopper, answer=second)
    assert refreshed(question).accepted_answer == second
    assert received["answer_accepted"][1]["previous_answer"] == answer
    with pytest.raises(QAError):
        services.answer_accept(actor=shopper, answer=second)
    assert len(received["answer_accepted"]) == 2


def test_accepting_an_answer_on_someone_elses_question_is_refused(question, answer, other_shopper, third_shopper, received):
    for actor in (other_shopper, third_shopper):
        with pytest.raises(QAError) as error:
            services.answer_accept(actor=actor, answer=answer)
        assert error.value.code == "forbidden"
    assert refreshed(question).accepted_answer is None
    assert received["answer_accepted"] == []


def test_an_unpublished_answer_cannot_be_accepted(question, answer, shopper, moderator):
    from community.moderation.services import moderate

    moderate(moderator=moderator, content=answer, action="hide", reason="проверка")
    with pytest.raises(QAError):
        services.answer_accept(actor=shopper, answer=answer)
    assert refreshed(question).accepted_answer is None


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_keep_the_counters_exact(page_tree, settings):
    """Twenty voters at once on one answer: the stored counters equal the votes (row lock + F())."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no real concurrency to test")
    settings.MODERATION_PREMODERATE_FIRST = 0
    product = page_tree["products"][0]
    asker, author = factories.user("asker"), factories.user("author")
    question = factories.ask(asker, product)
    answer = factories.answer(author, question)
    voters = [factories.user(f"voter{n}") for n in range(20)]

    def vote(voter, value):
        try:
            services.answer_vote(voter=voter, answer=Answer.objects.get(pk=answer.pk), value=value)
            services.question_vote(voter=voter, question=Question.objects.get(pk=question.pk))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(vote, voters, [1 if n % 3 else -1 for n in range(20)]))
    answer, question = refreshed(answer), refreshed(question)
    assert (answer.up_count, answer.down_count) == (13, 7)
    assert answer.score == 6
    assert question.vote_score == 20


# --- links and re-sanitizing ------------------------------------------------------------------


def test_links_are_nofollow_unless_trust_follows_the_author(question, other_shopper, third_shopper):
    # One decision, one mechanism: community.accounts.trust.links_followed (Experts' links).
    third_shopper.profile.expert_categories = [{"id": question.product.top_category_id, "title": "Ноутбуки"}]
    third_shopper.profile.save(update_fields=["expert_categories"])
    trusted = services.answer_post(author=third_shopper, question=question, text="См. https://example.com/a")
    ordinary = services.answer_post(author=other_shopper, question=question, text="См. https://example.com/b")
    assert 'rel="ugc noopener"' in trusted.text_html
    assert 'rel="ugc nofollow noopener"' in ordinary.text_html


def test_resanitize_re_renders_questions_and_answers_from_their_source(question, answer):
    from io import StringIO

    from django.core.management import call_command

    Answer.objects.filter(pk=answer.pk).update(text_html="<p>старое</p>")
    out = StringIO()
    call_command("resanitize", "--no-progress", stdout=out)
    assert "qa.Answer: 1 of 1 re-rendered" in out.getvalue()
    assert refreshed(answer).text_html == "<p>Да, зарядка 65 Вт в коробке.</p>"


def test_an_answer_stores_its_excerpt_on_write_and_printing_it_runs_no_sanitizer(question, other_shopper, monkeypatch):
    import community.text

    answer = services.answer_post(author=other_shopper, question=question,
                                  text="Да, <b>зарядка</b> 65 Вт в коробке, " + "и кабель тоже " * 10)
    assert refreshed(answer).text_excerpt == answer.text_excerpt
    assert answer.text_excerpt.startswith("Да, зарядка 65 Вт в коробке")
    assert answer.text_excerpt.endswith("…") and len(answer.text_excerpt) <= 60

    def no_sanitizer(*args, **kwargs):
        raise AssertionError("printing an answer must not sanitize")

    monkeypatch.setattr(community.text.bleach, "clean", no_sanitizer)
    assert str(refreshed(answer)) == answer.text_excerpt


def test_editing_an_answer_refreshes_its_excerpt(answer, other_shopper):
    services.answer_update(actor=other_shopper, answer=answer, text="Нет, зарядки в коробке нет.")
    assert refreshed(answer).text_excerpt == "Нет, зарядки в коробке нет."
    assert answer.text_excerpt == "Нет, зарядки в коробке нет."


def test_resanitize_refreshes_the_stored_excerpt(answer):
    from io import StringIO

    from django.core.management import call_command

    Answer.objects.filter(pk=answer.pk).update(text_excerpt="устарело")
    call_command("resanitize", "--no-progress", stdout=StringIO())
    assert refreshed(answer).text_excerpt == "Да, зарядка 65 Вт в коробке."


def test_the_data_migration_fills_the_excerpt_of_existing_answers(answer):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("community.qa.migrations.0002_answer_text_excerpt")
    Answer.objects.filter(pk=answer.pk).update(text_excerpt="")
    migration.fill_excerpts(apps, None)
    assert refreshed(answer).text_excerpt == "Да, зарядка 65 Вт в коробке."
