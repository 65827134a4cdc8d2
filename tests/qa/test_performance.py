"""Every Q&A page runs a fixed number of SQL queries whatever the number of questions and answers."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.qa import services
from community.qa.models import Answer
from tests.factories import PASSWORD
from tests.qa import factories


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(ctx.captured_queries)


def viewers(client, shopper):
    """The anonymous visitor, then a signed-in shopper (who has voted, so their votes are shown)."""
    yield "anonymous", client
    client.login(username=shopper.username, password=PASSWORD)
    yield "signed in", client


@pytest.fixture
def authors(db):
    return factories.bulk_users(510, prefix="perf")


def test_the_question_page_with_2_or_200_answers_runs_at_most_10_queries_cold_or_warm(
        client, question, shopper, authors, settings, django_assert_max_num_queries):
    from django.core.cache import cache

    # What rendering costs: the whole anonymous page from the cache is tests/test_page_budgets.py's.
    settings.VERSIONED_PAGE_CACHE_SECONDS = 0

    answers = factories.bulk_answers(question, authors[:2])
    services.answer_vote(voter=shopper, answer=answers[0], value=1)
    url = question.get_url()
    small = {}
    for who, c in viewers(client, shopper):
        c.get(url)  # warm Wagtail's site cache
        small[who] = count_queries(c, url)
    client.logout()
    more = factories.bulk_answers(question, authors[2:200])
    services.answer_vote(voter=shopper, answer=more[0], value=-1)
    assert Answer.objects.filter(question=question).count() == 200
    for who, c in viewers(client, shopper):
        c.get(url)  # warm (the cache was cleared for the previous viewer's cold request)
        for page_url in (url, f"{url}?page=10"):
            with django_assert_max_num_queries(small[who]):
                response = c.get(page_url)
            assert len(response.context["answers"]) == 20, "a page never renders hundreds of answers"
        cache.clear()  # cold: no cached site root paths, permissions or sessions
        # The budget is 10 (issue 17), cold too: the header's counters (notifications and
        # messages) are counted together in one query when not cached.
        with django_assert_max_num_queries(10):
            assert c.get(url).status_code == 200
    # The site, one url_path lookup (the product, its ancestors and their view restrictions),
    # the question (with the signed-in viewer's vote, follow and own answer), its page of answers
    # (with the total and the viewer's votes); anonymous: the version (ETag) query; signed in:
    # the user with their profile.
    assert small["anonymous"] <= 7, small
    assert small["signed in"] <= 7, small


def test_the_product_section_and_list_with_3_or_500_questions_run_the_same_queries(
    client, product, shopper, authors, django_assert_max_num_queries
):
    factories.bulk_questions(product, authors, 3)
    urls = [product.url, product.url + "questions/", product.url + "questions/?sort=votes&page=2",
            product.url + "questions/?sort=unanswered"]
    small = {}
    for who, c in viewers(client, shopper):
        for url in urls:
            c.get(url)
            small[(who, url)] = count_queries(c, url)
    client.logout()
    factories.bulk_questions(product, authors, 497)
    for who, c in viewers(client, shopper):
        for url in urls:
            c.get(url)  # warm: the product page's shared parts are read once per version
            with django_assert_max_num_queries(small[(who, url)]):
                c.get(url)
    assert client.get(product.url).context["qa_block"].total == 500


def test_the_qa_section_costs_three_queries_then_one_from_the_cache(rf, product, authors, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from community.qa.wagtail_hooks import qa_product_section

    factories.bulk_questions(product, authors, 500)
    request = rf.get(product.url)
    request.user = AnonymousUser()
    product.get_url(request)  # the site root paths, cached per request
    # The product page's version (the key of its shared parts), then top questions with their
    # best answers (authors and profiles as a JSON column) and the total; the rows are rendered
    # once for everyone, and the authors' badge tips read the reputation thresholds (which the
    # page reads anyway).
    with django_assert_num_queries(3):
        section = qa_product_section(request, product)
    assert len(section.context["qa_block"].questions) == 5
    request = rf.get(product.url)
    request.user = AnonymousUser()
    product.get_url(request)
    with django_assert_num_queries(1):  # the next request: the version, the block from the cache
        assert len(qa_product_section(request, product).context["qa_block"].questions) == 5


def test_similar_questions_are_a_fixed_number_of_queries(client, product, authors, django_assert_num_queries):
    from django.core.management import call_command

    factories.bulk_questions(product, authors, 500)
    call_command("reindex", "--kind", "question", stdout=io.StringIO())  # bulk rows bypass the services
    client.get("/qa/similar/", {"product": product.pk, "q": "ёмкость батареи"})
    # the product, the search engine's query, the questions it found, the site root (cached per request)
    with django_assert_num_queries(4):
        response = client.get("/qa/similar/", {"product": product.pk, "q": "ёмкость батареи"})
    assert len(response.json()["results"]) == 5


def test_the_top_questions_best_answers_read_as_json_render_as_the_queried_ones(product, authors, settings):
    """The product page's block builds its best answers (with authors and profiles) from a JSON
    column; the questions list reads them with a query. Each question's row is the same HTML."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.utils import translation

    from community.accounts.models import Profile
    from community.qa.selectors import product_question_list, product_top_questions

    asker, expert, buyer, *_rest = authors
    Profile.objects.filter(user=expert).update(display_name="Эксперт Иван", level="member", expert_categories=[
        {"id": 1, "title": "Ноутбуки", "slug": "laptops"}], public=True, reputation=420)
    Profile.objects.filter(user=buyer).update(public=False)
    accepted_question = factories.ask(asker, product, "Какой блок питания?")
    accepted = factories.answer(expert, accepted_question, "65 Вт, <b>USB-C</b>. https://example.com/спецификация")
    factories.answer(buyer, accepted_question, "Не знаю.")
    services.answer_accept(actor=asker, answer=accepted)
    voted_question = factories.ask(asker, product, "Греется ли?")
    factories.answer(buyer, voted_question, "Почти нет.")
    factories.ask(asker, product, "Без ответа?")
    assert Answer.objects.filter(question__product=product).count() == 3
    for language in ("ru", "en"):
        with translation.override(language):
            top = product_top_questions(product=product, viewer=AnonymousUser(), product_url="/p/")
            listed = {q.pk: q for q in product_question_list(product=product, viewer=AnonymousUser(),
                                                             product_url="/p/").page.object_list}
            assert len(top.questions) == 3 and all(hasattr(q, "best_answer_row") for q in top.questions)
            for question in top.questions:
                mine = render_to_string("qa/includes/question_row.html", {"question": question})
                theirs = render_to_string("qa/includes/question_row.html", {"question": listed[question.pk]})
                assert mine == theirs
            by_title = {q.title: q for q in top.questions}
            best = by_title["Какой блок питания?"].best_answer
            assert best.is_accepted and best.author.profile.name == "Эксперт Иван"
            assert best.author.profile.expert_categories == [{"id": 1, "title": "Ноутбуки", "slug": "laptops"}]
            assert best.created.tzinfo is not None and best.pk == accepted.pk
            assert by_title["Без ответа?"].best_answer is None
