"""Hypothesis fuzzing of every HTML form and JSON endpoint a shopper can reach (the shop feed
and the websocket are fuzzed beside their own code): Unicode edge cases (NUL, lone surrogates
as raw UTF-8 in URL-encoded bodies, RTL and zero-width marks), invalid UTF-8, huge numbers, long
strings, repeated keys (a list where one value is expected), missing fields, JSON asked for or
not. Every answer is below 500, no exception escapes a view (the test client re-raises them),
and the stored aggregates still match the rows afterwards: nothing half-written.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote_from_bytes

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.support.models import Ticket
from community.moderation.models import Flag
from community.qa.models import Question
from reviews.models import Review
from tests.qa import factories as qa
from tests.reviews.factories import published_review

FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

EDGE_CHARACTERS = ["\x00", "\ud800", "\udfff", "\u200f", "\u202e", "\u200b", "\ufeff", "\u2028", "\u0301",
                   "é", "𝕏", "٣", "²", "<", ">", "&", "'", '"', "%", "=", "+", ";", "\r", "\n", " "]
STRANGE_VALUES = ["", " ", "0", "-1", "9" * 400, "1e309", "NaN", "Infinity", "0x1F", "٣", "²", "4.5",
                  "true", "null", "[]", "{}", "\x00", "\ud800", "\u200b\u200b", "\u202e5", "5\x00"]

text_value = st.one_of(
    st.text(alphabet=st.sampled_from(EDGE_CHARACTERS) | st.characters(), max_size=40),
    st.sampled_from(STRANGE_VALUES),
    st.builds(lambda piece, times: piece * times, st.sampled_from(["а", "x ", "\u200b", "😀", "<b>"]),
              st.integers(1_000, 30_000)),
)
# None: the field is missing; bytes: raw bytes, invalid UTF-8 included; a list: a repeated key.
field_value = st.one_of(st.none(), text_value, st.binary(max_size=24), st.lists(text_value, min_size=2, max_size=3))


def form_of(**fields) -> st.SearchStrategy[dict]:
    """A body with the given fields, each either plausible (its own strategy) or fuzzed."""
    return st.fixed_dictionaries({name: st.one_of(plausible, field_value) for name, plausible in fields.items()})


def encode(data: dict) -> bytes:
    parts = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            raw = item if isinstance(item, bytes) else item.encode("utf-8", "surrogatepass")
            parts.append(f"{name}=".encode() + quote_from_bytes(raw).encode())
    return b"&".join(parts)


def post(client, url: str, data: dict, as_json: bool):
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    response = client.generic("POST", url, encode(data), content_type="application/x-www-form-urlencoded", **headers)
    assert response.status_code < 500, (url, data, response.status_code)
    return response


def aggregates_match_rows() -> None:
    call_command("rebuild_review_aggregates", "--check", stdout=io.StringIO())  # raises on a difference
    out = io.StringIO()
    call_command("rebuild_qa_aggregates", "--dry-run", stdout=out)
    assert re.search(r"would fix 0 questions and 0 answers", out.getvalue()), out.getvalue()


@pytest.fixture(autouse=True)
def _no_limits(settings):
    """Limits are tested on their own; here every request must reach the view."""
    settings.RATE_LIMITS = {}
    settings.ACCOUNT_RATE_LIMITS = False
    settings.MODERATION_PREMODERATE_FIRST = 0


@pytest.fixture
def scene(page_tree, shopper, other_shopper):
    product = page_tree["products"][0]
    review = published_review(product, author=other_shopper)
    question = qa.ask(other_shopper, product)
    answer = qa.answer(other_shopper, question)
    own_question = qa.ask(shopper, product, title="Свой вопрос о подсветке клавиатуры?")
    own_answer = qa.answer(other_shopper, own_question)
    return {"product": product, "review": review, "question": question, "answer": answer,
            "own_question": own_question, "own_answer": own_answer}


ratings = st.sampled_from(["1", "3", "5"])
words = st.sampled_from(["Хороший ноутбук, тихий", "Отличный экран и клавиатура", "Нормально"])
reasons = st.sampled_from(["spam", "offensive", "other"])


def test_fuzzed_review_forms_never_fail(client, scene, page_tree, shopper):
    client.force_login(shopper)
    products = page_tree["products"]

    @FUZZ
    @given(form=form_of(rating=ratings, title=words, text=words, pros=words, cons=words, remove_photos=st.just("1")),
           product_index=st.integers(0, 2), as_json=st.booleans())
    def run(form, product_index, as_json):
        before = Review.objects.count()
        post(client, products[product_index].url + "reviews/write/", form, as_json)
        assert Review.objects.count() - before in (0, 1)

    run()
    aggregates_match_rows()


def test_fuzzed_review_votes_and_flags_never_fail(client, scene, shopper):
    client.force_login(shopper)
    review = scene["review"]

    @FUZZ
    @given(vote=form_of(vote=st.sampled_from(["helpful", "unhelpful", "withdraw"]), next=st.just("/")),
           flag=form_of(reason=reasons, text=words, next=st.just("/")), as_json=st.booleans())
    def run(vote, flag, as_json):
        post(client, f"/reviews/{review.pk}/vote/", vote, as_json)
        post(client, f"/reviews/{review.pk}/flag/", flag, as_json)
        assert Flag.objects.filter(reporter=shopper).count() <= 1

    run()
    aggregates_match_rows()


def test_fuzzed_question_and_answer_forms_never_fail(client, scene, shopper):
    client.force_login(shopper)
    product, question = scene["product"], scene["question"]

    @FUZZ
    @given(ask=form_of(title=words, details=words, similar_checked=st.sampled_from(["1", "on", ""])),
           answer=form_of(text=words), as_json=st.booleans())
    def run(ask, answer, as_json):
        before = Question.objects.count()
        post(client, product.url + "questions/ask/", ask, as_json)
        assert Question.objects.count() - before in (0, 1)
        post(client, question.get_url(), answer, as_json)

    run()
    aggregates_match_rows()


def test_fuzzed_q_and_a_actions_never_fail(client, scene, shopper):
    client.force_login(shopper)
    question, answer = scene["question"], scene["answer"]
    own_question, own_answer = scene["own_question"], scene["own_answer"]

    @FUZZ
    @given(qvote=form_of(action=st.sampled_from(["up", "withdraw"])), avote=form_of(value=st.sampled_from(["1", "-1", "0"])),
           flag=form_of(reason=reasons, text=words), follow=form_of(action=st.sampled_from(["follow", "unfollow"])),
           edit=form_of(title=words, details=words), as_json=st.booleans())
    def run(qvote, avote, flag, follow, edit, as_json):
        post(client, f"/qa/questions/{question.pk}/vote/", qvote, as_json)
        post(client, f"/qa/answers/{answer.pk}/vote/", avote, as_json)
        post(client, f"/qa/questions/{question.pk}/follow/", follow, as_json)
        post(client, f"/qa/answers/{own_answer.pk}/accept/", {}, as_json)
        post(client, f"/qa/questions/{question.pk}/report/", flag, as_json)
        post(client, f"/qa/answers/{answer.pk}/report/", flag, as_json)
        post(client, f"/qa/questions/{own_question.pk}/edit/", edit, as_json)

    run()
    aggregates_match_rows()


def test_fuzzed_profile_and_ticket_forms_never_fail(client, scene, shopper):
    client.force_login(shopper)

    @FUZZ
    @given(profile=form_of(display_name=words, about=words),
           ticket=form_of(subject=words, body=words, client_id=st.sampled_from(["a" * 32, "b" * 32])))
    def run(profile, ticket):
        post(client, "/cabinet/", profile, False)
        before = Ticket.objects.count()
        post(client, "/chat/tickets/new/", ticket, False)
        assert Ticket.objects.count() - before in (0, 1)

    run()


def test_fuzzed_sign_up_and_log_in_never_fail(client, db):
    @FUZZ
    @given(signup=form_of(username=st.sampled_from(["fuzzer", "fuzzer2"]), email=st.just("fuzz@example.com"),
                          password1=st.just("A-long-password-2026"), password2=st.just("A-long-password-2026")),
           login=form_of(login=st.sampled_from(["fuzzer", "fuzz@example.com"]), password=st.just("A-long-password-2026")))
    def run(signup, login):
        client.logout()
        post(client, "/accounts/signup/", signup, False)
        client.logout()
        post(client, "/accounts/login/", login, False)

    run()


@pytest.mark.slow
def test_fuzzed_query_parameters_never_fail(client, scene):
    product = scene["product"]
    pages = ["/search/", product.url + "reviews/", product.url + "questions/", "/qa/similar/", "/experts/",
             product.url + "questions/ask/"]

    @FUZZ
    @given(params=form_of(q=words, page=st.sampled_from(["1", "2"]), sort=st.sampled_from(["new", "votes"]),
                          stars=st.sampled_from(["5"]), product=st.just(str(product.pk)), title=words,
                          verified=st.just("1"), period=st.just("week")))
    def run(params):
        query = encode(params).decode("ascii")
        for url in pages:
            response = client.get(f"{url}?{query}", HTTP_ACCEPT="application/json" if "similar" in url else "")
            assert response.status_code < 500, (url, query, response.status_code)

    run()


def test_every_number_in_a_query_is_read_as_ascii_digits_or_ignored(client, scene):
    """``str.isdigit()`` is true for «²» and «٣», which ``int()`` refuses or misreads: every page
    that reads a number from the query string ignores what is not plain ASCII digits (a
    hypothesis release found «²» in ``stars`` on the search page; this keeps it found)."""
    product, question = scene["product"], scene["question"]
    pages = ["/search/", product.url + "reviews/", product.url + "questions/", question.get_absolute_url()]
    values = ["²", "¹²", "٣", "１", "9" * 30, "-1", "0", "1e309", "\x00", " 5"]
    for value in values:
        for url in pages:
            for name in ("page", "stars", "category", "rating"):
                response = client.get(url, {name: value})
                assert response.status_code < 500, (url, name, value, response.status_code)


def test_parse_int_takes_plain_ascii_digits_only():
    from community.http import parse_int

    assert [parse_int(v) for v in ["0", "7", "0042", "123456789012345678"]] == [0, 7, 42, 123456789012345678]
    assert [parse_int(v) for v in [None, "", "²", "٣", "１", "-1", "+1", " 1", "1.0", "9" * 19]] == [None] * 10
    assert parse_int("123456", max_digits=5) is None


def test_fuzzed_edits_replies_and_deletions_never_fail(client, scene, shopper, staff):
    """The author's edit and delete forms, and the shop's reply (staff)."""
    product, review = scene["product"], scene["review"]
    own_answer = qa.answer(shopper, scene["question"], text="Мой ответ про зарядку.")

    @FUZZ
    @given(edit=form_of(text=words), reply=form_of(text=words, next=st.just("/")), as_json=st.booleans(),
           delete=st.booleans())
    def run(edit, reply, as_json, delete):
        client.force_login(shopper)
        post(client, f"/qa/answers/{own_answer.pk}/edit/", edit, as_json)
        if delete:
            post(client, f"/qa/answers/{own_answer.pk}/delete/", edit, as_json)
        client.force_login(staff)
        post(client, f"/reviews/{review.pk}/reply/", reply, as_json)

    run()
    aggregates_match_rows()
    assert Review.objects.filter(product=product).count() == 1
