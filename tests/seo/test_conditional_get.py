"""Crawlers revisiting unchanged pages get 304 without the page being rendered, in at most two
queries; the validators change when anything the page shows changes (a vote, a new answer)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from community.qa import services as qa_services
from reviews import services as review_services
from tests.experts import factories as people


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def revisit(client, url: str, etag: str):
    global _q
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    _q = queries
    return response, len(queries)


def assert_304_then_changes(client, url: str, change) -> None:
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"], url
    assert "Cookie" in first["Vary"]
    again = client.get(url)
    assert again["ETag"] == first["ETag"], "nothing changed, so neither did the validator"
    response, queries = revisit(client, url, first["ETag"])
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == first["ETag"]
    assert queries <= 2, "\n".join(q["sql"][:200] for q in _q.captured_queries)
    change()
    response, _queries = revisit(client, url, first["ETag"])
    assert response.status_code == 200 and response["ETag"] != first["ETag"]


def test_a_question_page_answers_304_until_a_vote_or_an_answer(client, product):
    asker, answerer, voter = people.person("viola"), people.person("sebastian"), people.person("antonio")
    question = people.question(asker, product, title="Есть ли подсветка клавиатуры?")
    answer = people.answer(answerer, question)
    url = question.get_url()
    assert_304_then_changes(client, url, lambda: qa_services.answer_vote(voter=voter, answer=answer, value=1))
    assert_304_then_changes(client, url, lambda: people.answer(people.person("maria"), question, text="Да, белая."))
    modified = client.get(url)
    assert modified["Last-Modified"]
    not_modified = client.get(url, HTTP_IF_MODIFIED_SINCE=modified["Last-Modified"])
    assert not_modified.status_code == 304


def test_a_review_list_answers_304_until_a_vote(client, product):
    review = people.review(people.person("rosalind"), product)
    voter = people.person("orlando")
    url = f"{product.url}reviews/"
    assert_304_then_changes(client, url, lambda: review_services.review_vote(voter=voter, review=review, helpful=True))
    assert_304_then_changes(client, url, lambda: people.review(people.person("celia"), product, rating=3))


def test_a_profile_answers_304_until_its_content_changes(client, product):
    author = people.person("rosalind")
    people.review(author, product)
    url = "/users/rosalind/"
    assert_304_then_changes(client, url, lambda: people.question(author, product, title="Новый вопрос автора?"))


def test_the_validator_depends_on_the_ui_language(client, product):
    question = people.question(people.person("viola"), product, title="Есть ли подсветка клавиатуры?")
    russian = client.get(question.get_url())["ETag"]
    client.cookies["lang"] = "en"
    response = client.get(question.get_url(), HTTP_IF_NONE_MATCH=russian)
    assert response.status_code == 200 and response["ETag"] != russian


def test_signed_in_pages_carry_no_validators(client, product, shopper):
    question = people.question(people.person("viola"), product, title="Есть ли подсветка клавиатуры?")
    client.force_login(shopper)
    response = client.get(question.get_url())
    assert response.status_code == 200
    assert not response.has_header("ETag") and not response.has_header("Last-Modified")


def test_a_product_page_with_a_section_that_declares_no_version_carries_no_validators(client, product, monkeypatch):
    from wagtail import hooks

    from community.catalog.models import ProductSection

    assert client.get(product.url).has_header("ETag"), "every section of the product page declares its version"

    def untracked_section(request, page):
        return ProductSection(key="untracked", title="Untracked", template="catalog/product_section_empty.html")

    hooks.search_for_hooks()
    monkeypatch.setitem(hooks._hooks, "product_page_sections",
                        [*hooks._hooks["product_page_sections"], (untracked_section, 0)])
    from community.catalog import seo as catalog_seo

    assert catalog_seo.product_version(None, page_url_path=product.url_path) is None


def test_a_product_page_answers_304_until_a_vote_an_answer_or_a_chat_message(client, product):
    from chat import services as chat_services

    review = people.review(people.person("rosalind"), product)
    answerer, chatter = people.person("sebastian"), people.person("feste")
    question = people.question(people.person("viola"), product, title="Есть ли подсветка клавиатуры?")
    room = chat_services.product_room_for(product)
    assert_304_then_changes(client, product.url,
                            lambda: review_services.review_vote(voter=people.person("orlando"), review=review, helpful=True))
    assert_304_then_changes(client, product.url, lambda: people.answer(answerer, question))
    assert_304_then_changes(client, product.url,
                            lambda: chat_services.message_post(author=chatter, room=room, body="Кто брал, как батарея?"))
    message = room.messages.get()
    assert_304_then_changes(client, product.url,
                            lambda: chat_services.message_edit(author=chatter, message=message, body="Как батарея?"))
    assert_304_then_changes(client, product.url, lambda: chat_services.message_delete(actor=chatter, message=message))


def test_a_product_page_keeps_its_validator_when_another_product_changes(client, page_tree):
    from chat import services as chat_services

    product, other = page_tree["products"][0], page_tree["products"][1]
    first = client.get(product.url)["ETag"]
    other_question = people.question(people.person("viola"), other, title="А у этого есть подсветка?")
    people.answer(people.person("sebastian"), other_question)
    people.review(people.person("rosalind"), other)
    chat_services.message_post(author=people.person("feste"), room=chat_services.product_room_for(other),
                               body="Другой товар")
    response = client.get(product.url, HTTP_IF_NONE_MATCH=first)
    assert response.status_code == 304


def test_product_and_question_pages_change_their_validator_with_an_authors_standing(client, product):
    # The authors' level, reputation and hidden profile are one joined value of the version
    # (trust.authors_standing): each of them must still change it.
    from community.accounts.models import Profile

    reviewer, answerer = people.person("rosalind"), people.person("sebastian")
    people.review(reviewer, product)
    question = people.question(people.person("viola"), product, title="Есть ли подсветка клавиатуры?")
    people.answer(answerer, question)
    def check(url: str, author) -> None:
        profile = Profile.objects.filter(user=author)
        level = profile.get().level
        other_level = "member" if level == "newcomer" else "newcomer"
        assert_304_then_changes(client, url, lambda: profile.update(reputation=F("reputation") + 10))
        assert_304_then_changes(client, url, lambda: profile.update(level=other_level))
        assert_304_then_changes(client, url, lambda: profile.update(public=False))
        profile.update(public=True, level=level)

    check(product.url, reviewer)
    check(question.get_url(), answerer)


def test_a_profile_version_follows_the_newest_change_of_any_piece_an_old_ones_edit_too(product):
    """The version reads each kind's newest change (``ORDER BY change DESC LIMIT 1``): an edit of
    an older review, later than the newest question, is what it reports."""
    from datetime import timedelta

    from django.utils import timezone

    from community.accounts.sitemaps import profile_version
    from reviews.models import Review

    author = people.person("rosalind")
    older = people.review(author, product)
    people.question(author, product, title="Новый вопрос автора?")
    before = profile_version(None, "rosalind")
    edited = timezone.now() + timedelta(hours=1)
    Review.objects.filter(pk=older.pk).update(edited_at=edited)
    after = profile_version(None, "rosalind")
    assert edited not in before[0] and edited in after[0]


def test_a_profile_version_reads_each_kind_from_its_index_on_postgresql(product):
    """The newest change of an author's reviews, questions and answers is one probe of an index
    on (author, change) per kind, however much the author wrote: the query's expression is the
    index's. (SQLite's planner is not asked: the check is about PostgreSQL's.)"""
    if connection.vendor != "postgresql":
        pytest.skip("checks PostgreSQL's query plan; run with DATABASE_URL=postgres://…")
    from community.accounts.sitemaps import profile_version

    author = people.person("rosalind")
    people.review(author, product)
    with CaptureQueriesContext(connection) as queries:
        profile_version(None, "rosalind")
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: ask whether the index can serve
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("review_author_changes", "qa_question_author_changes", "qa_answer_author_changes"):
        assert f"Index Scan using {index}" in plan, plan
    assert plan.count("Sort Key") <= 1, plan  # the subqueries read in index order; only the outer row's ORDER BY
