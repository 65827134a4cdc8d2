"""Abuse limits on every write a shopper makes over HTTP: a 429 with a message in the user's
language and ``Retry-After``, nothing written past the limit, counted in the shared cache
(Redis when ``REDIS_URL`` is set, as in CI's PostgreSQL + Redis run)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from community.moderation.models import Flag
from community.qa.models import Answer, AnswerVote, Question
from reviews.models import Review, ReviewVote
from tests.conftest import DaphneServer
from tests.factories import UserFactory
from tests.qa import factories as qa
from tests.reviews.factories import published_review

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _publish_directly(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def limits(settings, **scopes):
    settings.RATE_LIMITS = {name.replace("__", "."): value for name, value in scopes.items()}


def assert_refused(response, *, json_body=False):
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    if json_body:
        body = response.json()
        assert body["retry_after"] >= 1 and "Слишком много попыток" in body["error"]
    else:
        assert "Слишком много попыток" in response.content.decode()


def write_review(client, product, title="Заголовок"):
    return client.post(product.url + "reviews/write/", {"rating": "5", "title": title, "text": "Нормальный текст"})


def test_a_shopper_past_the_review_limit_gets_a_429_page_and_no_review_is_written(client, settings, page_tree, shopper):
    limits(settings, review_write=(2, 3600))
    client.force_login(shopper)
    first, second, third = (write_review(client, product) for product in page_tree["products"])
    assert first.status_code == 302 and second.status_code == 302
    assert_refused(third)
    assert Review.objects.count() == 2
    assert not Review.objects.filter(product=page_tree["products"][2]).exists()


def test_reading_the_form_does_not_count(client, settings, product, shopper):
    limits(settings, review_write=(1, 3600))
    client.force_login(shopper)
    for _ in range(5):
        assert client.get(product.url + "reviews/write/").status_code == 200
    assert write_review(client, product).status_code == 302


def test_a_new_account_has_a_stricter_first_day_limit(client, settings, page_tree, newcomer, shopper):
    limits(settings, review_write=(10, 3600), review_write__new=(1, 86400))
    client.force_login(newcomer)
    assert write_review(client, page_tree["products"][0]).status_code == 302
    assert_refused(write_review(client, page_tree["products"][1]))
    assert Review.objects.filter(author=newcomer).count() == 1
    # An older account is not held to it.
    client.force_login(shopper)
    assert write_review(client, page_tree["products"][0]).status_code == 302
    assert write_review(client, page_tree["products"][1]).status_code == 302
    # The first day is over: the normal limit applies.
    get_user_model().objects.filter(pk=newcomer.pk).update(date_joined=timezone.now() - timezone.timedelta(days=2))
    client.force_login(newcomer)
    assert write_review(client, page_tree["products"][2]).status_code == 302


def test_asking_past_the_limit_is_refused_and_no_question_is_stored(client, settings, product, shopper):
    limits(settings, question_ask=(2, 3600))
    client.force_login(shopper)
    url = product.url + "questions/ask/"
    titles = ["Есть ли подсветка клавиатуры?", "Сколько весит блок питания?", "Какая гарантия у магазина?"]
    responses = [client.post(url, {"title": t, "details": "", "similar_checked": "1"}) for t in titles]
    assert [r.status_code for r in responses[:2]] == [302, 302]
    assert_refused(responses[2])
    assert set(Question.objects.values_list("title", flat=True)) == set(titles[:2])


def test_answering_past_the_limit_is_refused_and_no_answer_is_stored(client, settings, product, shopper, other_shopper):
    limits(settings, answer_post=(2, 3600))
    questions = [qa.ask(other_shopper, product, title=f"Вопрос номер {n} о зарядке?") for n in range(3)]
    client.force_login(shopper)
    responses = [client.post(q.get_url(), {"text": "Да, всё на месте."}) for q in questions]
    assert [r.status_code for r in responses[:2]] == [302, 302]
    assert_refused(responses[2])
    assert Answer.objects.count() == 2
    # Reading a question page is a GET: never limited.
    assert client.get(questions[2].get_url()).status_code == 200


def test_votes_on_reviews_questions_and_answers_share_one_limit(client, settings, product, shopper, other_shopper):
    limits(settings, vote=(2, 3600))
    review = published_review(product, author=other_shopper)
    question = qa.ask(other_shopper, product)
    answer = qa.answer(other_shopper, question)
    client.force_login(shopper)
    assert client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"}, **JSON).status_code == 200
    assert client.post(f"/qa/questions/{question.pk}/vote/", {"action": "up"}, **JSON).status_code == 200
    refused = client.post(f"/qa/answers/{answer.pk}/vote/", {"value": "1"}, **JSON)
    assert_refused(refused, json_body=True)
    assert ReviewVote.objects.count() == 1 and not AnswerVote.objects.exists()


def test_flags_past_the_limit_are_refused_and_not_stored(client, settings, product, shopper, other_shopper):
    limits(settings, flag=(2, 86400))
    review = published_review(product, author=other_shopper)
    question = qa.ask(other_shopper, product)
    answer = qa.answer(other_shopper, question)
    client.force_login(shopper)
    assert client.post(f"/reviews/{review.pk}/flag/", {"reason": "spam"}).status_code == 302
    assert client.post(f"/qa/questions/{question.pk}/report/", {"reason": "spam"}).status_code == 302
    assert_refused(client.post(f"/qa/answers/{answer.pk}/report/", {"reason": "spam"}))
    assert Flag.objects.count() == 2


def test_the_address_limit_holds_across_accounts(client, settings, product, other_shopper):
    limits(settings, vote=(100, 3600), vote__ip=(2, 3600))
    review = published_review(product, author=other_shopper)
    for name in ("voter_a", "voter_b", "voter_c"):
        client.force_login(UserFactory(username=name, verified=True))
        response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"}, **JSON)
    assert_refused(response, json_body=True)
    assert ReviewVote.objects.count() == 2


def test_the_refusal_speaks_the_users_language(client, settings, product, shopper):
    limits(settings, review_write=(0, 1), review_write__ip=(1, 3600))
    client.cookies["lang"] = "en"
    client.force_login(shopper)
    write_review(client, product)
    response = write_review(client, product)
    assert response.status_code == 429
    assert "Too many attempts. Please wait" in response.content.decode()
    assert response["Content-Language"] == "en"


def test_sign_up_is_limited_per_address_by_allauth(client, settings, db):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "2/m/ip"}
    responses = [
        client.post("/accounts/signup/", {"username": f"newuser{n}", "email": f"new{n}@example.com",
                                          "password1": "A-long-password-2026", "password2": "A-long-password-2026"})
        for n in range(3)
    ]
    assert [r.status_code for r in responses[:2]] == [302, 302]
    client.logout()
    assert_refused(responses[2])
    assert not get_user_model().objects.filter(username="newuser2").exists()


def test_log_in_is_limited_per_address_and_failed_log_ins_per_account(client, settings, shopper):
    shopper.set_password("right-password-2026")
    shopper.save()
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip", "login_failed": "10/m/ip,2/5m/key"}
    wrong = [client.post("/accounts/login/", {"login": "hamlet", "password": "wrong"}) for _ in range(3)]
    assert "Слишком много неудачных попыток" in wrong[2].content.decode()
    assert "_auth_user_id" not in client.session
    assert_refused(client.post("/accounts/login/", {"login": "hamlet", "password": "right-password-2026"}))
    assert "_auth_user_id" not in client.session


@pytest.mark.server
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: only a shared cache (Redis) lets "
                    "two processes share a limit; the embedded local-memory cache is per process by design")
def test_the_limit_holds_across_processes_with_the_redis_cache(rf, client, settings, product, shopper, other_shopper,
                                                                transactional_db):
    """Attempts counted in this process use up the limit a daphne process enforces."""
    from django.conf import settings as live

    from community.http import check_rate_limit

    review = published_review(product, author=other_shopper)
    client.force_login(shopper)
    count, _seconds = live.RATE_LIMITS["vote.ip"]  # the server reads the same settings.py
    request = rf.post("/", REMOTE_ADDR="127.0.0.1")
    request.user = AnonymousUser()  # only the address is counted
    for _ in range(count):
        assert check_rate_limit(request, "vote").allowed
    server = DaphneServer().start()
    try:
        token = "a" * 32
        request = urllib.request.Request(  # noqa: S310  (http to the local server)
            f"{server.url}/reviews/{review.pk}/vote/", data=b"vote=helpful", method="POST",
            headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded",
                     "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}",
                     "X-CSRFToken": token})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
        assert refused.value.code == 429
        assert int(refused.value.headers["Retry-After"]) >= 1
        assert "Слишком много попыток" in json.loads(refused.value.read())["error"]
    finally:
        server.stop()
    assert not ReviewVote.objects.exists()
