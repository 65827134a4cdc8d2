"""Only published, visible content is in the index, and it follows every change once the
transaction that made the change commits (real commits: these tests are transactional).

New and changed content reaches the index through the background task queue (the tests run
the queued tasks with django-tasks-db's own worker code); whatever becomes invisible leaves
the index synchronously, right after the commit, with no task to wait for."""

from __future__ import annotations

import pytest
from django.db import transaction

from community.moderation.models import Action
from community.moderation.services import moderate
from search.engines import get_engine
from search.engines.base import SearchRequest
from search.records import key_for
from tests.conftest import run_queued_tasks as _run_queued_tasks
from tests.qa.factories import answer, ask
from tests.reviews.factories import published_review, write_review

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _trusted_by_default(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def run_queued_tasks() -> None:
    """The queue's tasks, run by django-tasks-db's worker code (it locks rows: in a transaction)."""
    with transaction.atomic():
        _run_queued_tasks()


def keys(query: str) -> set[str]:
    return {h.key for h in get_engine().search(SearchRequest(query=query)).hits}


def test_a_hidden_review_is_gone_when_the_hiding_commits(page_tree, shopper, moderator):
    review = published_review(page_tree["products"][0], author=shopper, text="Клавиатура подсвечивается красиво.")
    run_queued_tasks()
    assert key_for("review", review.pk) in keys("клавиатура")
    with transaction.atomic():
        moderate(moderator=moderator, content=review, action=Action.HIDE, reason="Спам")
        # Not yet committed: the index still shows what the rest of the world sees.
        assert key_for("review", review.pk) in keys("клавиатура")
    assert key_for("review", review.pk) not in keys("клавиатура")  # no task had to run
    moderate(moderator=moderator, content=review, action=Action.RESTORE)
    assert key_for("review", review.pk) in keys("клавиатура")


def test_a_rolled_back_review_never_reaches_the_index(page_tree, shopper):
    with pytest.raises(RuntimeError), transaction.atomic():
        published_review(page_tree["products"][0], author=shopper, text="Откатанная транзакция")
        raise RuntimeError
    assert keys("откатанная") == set()


def test_pending_content_is_not_indexed_until_approved(settings, page_tree, newcomer, moderator):
    settings.MODERATION_PREMODERATE_FIRST = 1
    review = write_review(newcomer, page_tree["products"][1], text="Премодерация проверяет этот текст.")
    run_queued_tasks()
    assert keys("премодерация") == set()
    moderate(moderator=moderator, content=review, action=Action.APPROVE)
    assert keys("премодерация") == {key_for("review", review.pk)}


def test_a_products_record_follows_its_rating(page_tree, shopper, other_shopper):
    product = page_tree["products"][0]
    published_review(product, author=shopper, rating=5)
    published_review(product, author=other_shopper, rating=2)
    run_queued_tasks()
    hit = next(h for h in get_engine().search(SearchRequest(query="ASUS")).hits if h.kind == "product")
    assert (hit.rating, hit.review_count) == (3.5, 2)


def test_answers_join_their_question_and_leave_with_it(page_tree, shopper, other_shopper, moderator):
    question = ask(shopper, page_tree["products"][0], title="Греется ли корпус при работе?")
    reply = answer(other_shopper, question, text="Термопрокладки менял, стало холоднее.")
    run_queued_tasks()
    assert keys("термопрокладки") == {key_for("question", question.pk)}
    moderate(moderator=moderator, content=reply, action=Action.REMOVE, reason="Спам")
    assert keys("термопрокладки") == set()
    moderate(moderator=moderator, content=question, action=Action.HIDE, reason="Спам")
    assert keys("греется") == set()


def test_an_unpublished_product_leaves_with_its_reviews(page_tree, shopper):
    product = page_tree["products"][0]
    review = published_review(product, author=shopper, text="Динамики звучат громко.")
    run_queued_tasks()
    assert keys("динамики") == {key_for("review", review.pk)}
    product.unpublish()
    assert keys("динамики") == set()
    assert key_for("product", product.pk) not in keys("ASUS")


def test_new_content_is_indexed_by_one_background_task_per_change(page_tree, shopper):
    from django_tasks_db.models import DBTaskResult

    review = published_review(page_tree["products"][0], author=shopper, text="Подставка устойчивая и тяжёлая.")
    queued = list(DBTaskResult.objects.ready().filter(task_path="search.tasks.update_index"))
    assert queued, "the change was not queued"
    assert any({key_for("review", review.pk), key_for("product", review.product_id)} <= set(task.args_kwargs["args"][0])
               for task in queued)
    assert keys("подставка") == set()  # the request did not index it itself
    run_queued_tasks()
    assert keys("подставка") == {key_for("review", review.pk)}
