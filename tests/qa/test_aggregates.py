"""Stored Q&A counters always equal what ``rebuild_qa_aggregates`` recomputes from the rows."""

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from community.moderation.services import flag, moderate
from community.qa import services
from community.qa.aggregates import rebuild
from community.qa.models import Answer, AnswerVote, Question
from tests.qa import factories


def stored() -> dict:
    return {
        "questions": sorted(Question.objects.values_list("pk", "answer_count", "vote_score")),
        "answers": sorted(Answer.objects.values_list("pk", "up_count", "down_count", "score")),
    }


def trusted(name):
    return factories.user(name, date_joined=timezone.now() - timezone.timedelta(days=40))


def test_stored_counters_equal_the_rebuild_after_many_kinds_of_change(page_tree, moderator, newcomer, settings):
    product, other_product = page_tree["products"][:2]
    people = [trusted(f"p{n}") for n in range(8)]
    asker, a1, a2, a3, a4, v1, v2, v3 = people
    q1 = factories.ask(asker, product, "Сколько держит батарея?")
    q2 = factories.ask(a1, product, "Есть ли подсветка клавиатуры?")
    q3 = factories.ask(a2, other_product, "Какая гарантия на экран?")

    # answers, including one by a pre-moderated newcomer approved later and one rejected
    ans = {name: factories.answer(author, q1, f"Ответ {name}") for name, author in [("a1", a1), ("a2", a2), ("a3", a3)]}
    ans["q2"] = factories.answer(a3, q2, "Да, белая.")
    ans["q3"] = factories.answer(a4, q3, "Два года.")
    settings.MODERATION_PREMODERATE_FIRST = 1
    late = factories.answer(newcomer, q1, "Ответ новичка")
    rejected = factories.answer(newcomer, q2, "Спам")
    settings.MODERATION_PREMODERATE_FIRST = 0
    moderate(moderator=moderator, content=late, action="approve")
    moderate(moderator=moderator, content=rejected, action="reject", reason="Спам")

    # votes: up, down, changed, withdrawn, on several answers; same-question votes and one withdrawn
    for voter in (v1, v2, v3):
        services.answer_vote(voter=voter, answer=ans["a1"], value=1)
        services.question_vote(voter=voter, question=q1)
    services.answer_vote(voter=v1, answer=ans["a2"], value=-1)
    services.answer_vote(voter=v2, answer=ans["a2"], value=1)
    services.answer_vote(voter=v2, answer=ans["a2"], value=-1)  # changed
    services.answer_vote(voter=v3, answer=ans["a3"], value=1)
    services.answer_vote(voter=v3, answer=ans["a3"], value=0)  # withdrawn
    services.answer_vote(voter=v1, answer=ans["q2"], value=1)
    services.question_vote(voter=v1, question=q2)
    services.question_vote(voter=v1, question=q2, up=False)
    services.question_vote(voter=v2, question=q3)

    # acceptance, moderation round trips, flags that auto-hide, deletion by the author, re-answer
    services.answer_accept(actor=asker, answer=ans["a2"])
    moderate(moderator=moderator, content=ans["a3"], action="hide", reason="Проверка")
    moderate(moderator=moderator, content=ans["a3"], action="approve")
    moderate(moderator=moderator, content=ans["a1"], action="remove", reason="Реклама")
    moderate(moderator=moderator, content=ans["a1"], action="restore")
    for name in ("f1", "f2", "f3"):
        flag(reporter=trusted(name), content=ans["q3"], reason="spam")
    services.answer_delete(actor=a2, answer=ans["a2"])
    services.answer_post(author=a2, question=q1, text="Исправленный ответ")
    services.question_delete(actor=a1, question=q2)
    services.answer_update(actor=a3, answer=ans["q2"], text="Да, белая, три уровня.")

    before = stored()
    report = rebuild()
    assert (report.questions_fixed, report.answers_fixed) == (0, 0)
    assert stored() == before
    q1.refresh_from_db()
    assert q1.answer_count == 4  # a1 (restored), a3 (approved again), the newcomer's, a2's new answer
    assert q1.vote_score == 3
    assert Question.objects.get(pk=q3.pk).answer_count == 0  # hidden by three trusted flags


def test_the_rebuild_repairs_drifted_counters_and_the_command_reports_them(question, answer, shopper, third_shopper):
    services.answer_vote(voter=shopper, answer=answer, value=1)
    services.question_vote(voter=third_shopper, question=question)
    expected = stored()
    Question.objects.update(answer_count=7, vote_score=0)
    Answer.objects.update(up_count=0, down_count=3, score=-3)
    out = StringIO()
    call_command("rebuild_qa_aggregates", "--dry-run", stdout=out)
    assert "would fix 1 questions and 1 answers" in out.getvalue()
    assert stored() != expected
    out = StringIO()
    call_command("rebuild_qa_aggregates", stdout=out)
    assert "1 questions, 1 answers checked; fixed 1 questions and 1 answers." in out.getvalue()
    assert stored() == expected
    assert AnswerVote.objects.count() == 1
