"""«Покупатели упоминают» is computed in the background and stored, never in a request: the
product page reads it with its route's query (issue 17: a cold product page within 10 queries,
and nothing slow in a request)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from community.moderation.models import Status
from reviews.models import Review
from search import indexer, mentions
from search.models import ProductMentions
from search.records import key_for
from tests.conftest import run_queued_tasks
from tests.factories import UserFactory
from tests.reviews.factories import published_review

MENTIONS_TASK = "search.tasks.refresh_mentions"


def _backlit_reviews(product, n=3):
    """Three reviews using «подсветка», indexed."""
    reviews = [published_review(product, author=UserFactory(username=f"backlit{product.pk}-{i}", verified=True),
                                rating=4, text=f"Подсветка клавиатуры радует, отзыв номер {i}.") for i in range(n)]
    indexer.update_index([key_for("review", review.pk) for review in reviews])
    return reviews


def _cold_page(client, product) -> tuple[str, list[str]]:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(product.url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


def test_a_request_never_computes_the_mentions_and_a_background_task_stores_them(
        client, corpus, settings, django_capture_on_commit_callbacks):
    settings.SEARCH_MENTIONS_DELAY_SECONDS = 0
    asus = corpus["asus"]
    with django_capture_on_commit_callbacks(execute=True):  # the reviews' index updates are queued
        reviews = _backlit_reviews(asus)
    run_queued_tasks()  # index the new reviews; that schedules the mentions, which run next
    assert ["подсветка", 3] in ProductMentions.objects.get(product=asus).words
    html, sql = _cold_page(client, asus)
    assert "Покупатели упоминают:" in html and "подсветка (3)" in html
    assert not [q for q in sql if "search_searchentry" in q], "the page read the stored row with its route, nothing else"
    # Hiding a review (the index is updated at once, after the commit) schedules a new count:
    # the task cleared its flag when it started.
    Review.objects.filter(pk=reviews[0].pk).update(status=Status.HIDDEN)
    indexer.update_index([key_for("review", reviews[0].pk)])
    run_queued_tasks()
    assert ProductMentions.objects.get(product=asus).words == [], "two reviews use it now: below the threshold"
    assert "Покупатели упоминают:" not in _cold_page(client, asus)[0]


def test_changes_within_the_delay_schedule_one_run_per_product(corpus, settings):
    settings.SEARCH_MENTIONS_DELAY_SECONDS = 60
    asus, msi = corpus["asus"], corpus["msi"]
    reviews = _backlit_reviews(asus) + _backlit_reviews(msi)
    DBTaskResult.objects.filter(task_path=MENTIONS_TASK).delete()
    cache.clear()
    for review in reviews:  # six changes (a vote, an edit…) on two products
        indexer.update_index([key_for("review", review.pk)])
    queued = list(DBTaskResult.objects.filter(task_path=MENTIONS_TASK))
    assert len(queued) == 2 and sorted(sum((t.args_kwargs["args"][0] for t in queued), [])) == sorted([asus.pk, msi.pk])
    assert all(t.run_after is not None and (t.run_after - t.enqueued_at).total_seconds() >= 59 for t in queued)
    assert not DBTaskResult.objects.ready().filter(task_path=MENTIONS_TASK).exists(), "not before the delay"
    # Once it has started, the next change schedules a new run.
    mentions.started([asus.pk])
    indexer.update_index([key_for("review", reviews[0].pk)])
    assert DBTaskResult.objects.filter(task_path=MENTIONS_TASK).count() == 3


def test_a_product_without_stored_mentions_shows_none_and_reads_nothing_more(client, corpus):
    asus = corpus["asus"]
    _backlit_reviews(asus)
    ProductMentions.objects.all().delete()
    html, sql = _cold_page(client, asus)
    assert 'aria-label="Поиск по отзывам и вопросам об этом товаре"' in html
    assert "Покупатели упоминают:" not in html
    assert not [q for q in sql if "search_searchentry" in q]


def test_reindex_computes_every_products_mentions_with_a_progress_bar(corpus, capsys):
    from community.catalog.models import ProductPage

    _backlit_reviews(corpus["msi"])
    out = StringIO()
    call_command("reindex", stdout=out)
    assert f"Computed the words buyers mention for {ProductPage.objects.count()} products" in out.getvalue()
    assert "mentions: 100%" in capsys.readouterr().err  # the bar
    assert ProductMentions.objects.count() == ProductPage.objects.count()
    assert ["подсветка", 3] in ProductMentions.objects.get(product=corpus["msi"]).words
    call_command("reindex", "--kind", "product", stdout=out, stderr=StringIO())  # no reviews: no recount
    assert ProductMentions.objects.count() == ProductPage.objects.count()


@pytest.mark.parametrize("anonymous", [True, False])
def test_new_mentions_change_the_page_version(client, corpus, shopper, anonymous):
    asus = corpus["asus"]
    _backlit_reviews(asus)
    if not anonymous:
        client.force_login(shopper)
    client.get(asus.url)
    assert "подсветка (3)" not in client.get(asus.url).content.decode()
    mentions.refresh([asus.pk])
    assert "подсветка (3)" in client.get(asus.url).content.decode(), "not the cached page"


def test_an_unavailable_queue_never_fails_the_index_update(corpus, settings, monkeypatch, caplog):
    from search import tasks

    settings.SEARCH_MENTIONS_DELAY_SECONDS = 60
    review = _backlit_reviews(corpus["msi"])[0]
    cache.clear()

    def refuse(*args, **kwargs):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(type(tasks.refresh_mentions), "enqueue", refuse)
    assert indexer.update_index([key_for("review", review.pk)], raise_errors=True) == (1, 0)
    assert "could not schedule the mentions of 1 products" in caplog.text
    monkeypatch.undo()
    assert mentions.schedule([corpus["msi"].pk]) == 1, "the flag was cleared: the next change schedules"
