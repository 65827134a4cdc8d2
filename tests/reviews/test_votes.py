"""Helpful votes: one per user per review, never one's own, changeable for five minutes."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from community import events
from reviews import services
from reviews.models import Review, ReviewVote
from reviews.ranking import wilson_lower_bound
from tests.reviews.factories import write_review


@pytest.fixture
def review(product, shopper, no_premoderation):
    return write_review(shopper, product)


def counters(review):
    review.refresh_from_db()
    return review.helpful_count, review.unhelpful_count


def test_votes_are_counted_and_ranked_by_the_wilson_lower_bound(review, voters):
    for voter in voters[:4]:
        services.review_vote(voter=voter, review=review, helpful=True)
    services.review_vote(voter=voters[4], review=review, helpful=False)
    assert counters(review) == (4, 1)
    assert review.helpful_score == pytest.approx(wilson_lower_bound(4, 5))


def test_the_wilson_bound_prefers_many_good_votes_to_one():
    assert wilson_lower_bound(9, 10) > wilson_lower_bound(1, 1) > wilson_lower_bound(0, 1) == 0
    assert wilson_lower_bound(0, 0) == 0
    assert wilson_lower_bound(23, 25) == pytest.approx(0.7496, abs=1e-3)


def test_a_vote_can_be_changed_and_withdrawn_within_five_minutes(review, other_shopper):
    services.review_vote(voter=other_shopper, review=review, helpful=True)
    services.review_vote(voter=other_shopper, review=review, helpful=False)
    assert counters(review) == (0, 1)
    assert services.review_vote(voter=other_shopper, review=review, helpful=None) is None
    assert counters(review) == (0, 0)
    assert not ReviewVote.objects.exists()


def test_after_five_minutes_a_vote_is_locked(review, other_shopper):
    vote = services.review_vote(voter=other_shopper, review=review, helpful=True)
    ReviewVote.objects.filter(pk=vote.pk).update(created=timezone.now() - timezone.timedelta(minutes=5, seconds=1))
    with pytest.raises(services.VoteError):
        services.review_vote(voter=other_shopper, review=review, helpful=False)
    with pytest.raises(services.VoteError):
        services.review_vote(voter=other_shopper, review=review, helpful=None)
    assert counters(review) == (1, 0)


def test_one_vote_per_user_a_repeated_vote_changes_nothing(review, other_shopper):
    services.review_vote(voter=other_shopper, review=review, helpful=True)
    services.review_vote(voter=other_shopper, review=review, helpful=True)
    assert ReviewVote.objects.count() == 1
    assert counters(review) == (1, 0)


def test_nobody_votes_on_their_own_review(review, shopper):
    with pytest.raises(services.VoteError):
        services.review_vote(voter=shopper, review=review, helpful=True)
    assert counters(review) == (0, 0)


def test_an_anonymous_user_cannot_vote(review):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.review_vote(voter=AnonymousUser(), review=review, helpful=True)


def test_a_pending_review_cannot_be_voted_on(product, newcomer, other_shopper):
    pending = write_review(newcomer, product)
    with pytest.raises(services.VoteError):
        services.review_vote(voter=other_shopper, review=pending, helpful=True)


def test_review_voted_carries_the_vote_and_its_previous_state(review, other_shopper):
    seen = []
    events.review_voted.connect(lambda sender, **kw: seen.append(kw), weak=False, dispatch_uid="t-voted")
    try:
        services.review_vote(voter=other_shopper, review=review, helpful=True)
        services.review_vote(voter=other_shopper, review=review, helpful=False)
        services.review_vote(voter=other_shopper, review=review, helpful=None)
    finally:
        events.review_voted.disconnect(dispatch_uid="t-voted")
    assert [(kw["vote"] and kw["vote"].helpful, kw["previous"] and kw["previous"].helpful) for kw in seen] == [
        (True, None), (False, True), (None, False),
    ]


# --- through HTTP --------------------------------------------------------------------------


def test_with_javascript_a_vote_answers_json_with_the_new_counts(client, review, other_shopper):
    client.force_login(other_shopper)
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"}, HTTP_ACCEPT="application/json")
    data = json.loads(response.content)
    assert response.status_code == 200
    assert data["helpful_count"] == 1 and data["vote"] == "helpful" and data["locked"] is False
    assert data["summary"] == "1 из 1 покупателя считает отзыв полезным"


def test_without_javascript_a_vote_redirects_back_to_the_review(client, review, other_shopper):
    client.force_login(other_shopper)
    next_url = f"{review.product.url}reviews/?page=1#review-{review.pk}"
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "unhelpful", "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    assert counters(review) == (0, 1)


def test_a_vote_does_not_redirect_to_another_site(client, review, other_shopper):
    client.force_login(other_shopper)
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful", "next": "https://evil.example/"})
    assert response["Location"].endswith(f"/reviews/#review-{review.pk}")


def test_an_anonymous_vote_is_refused_with_401_or_a_login_redirect(client, review):
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "Войдите, чтобы проголосовать."
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not ReviewVote.objects.exists()


def test_a_vote_on_ones_own_review_gets_a_clear_message(client, review, shopper):
    client.force_login(shopper)
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "Нельзя голосовать за собственный отзыв."
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"}, follow=True)
    assert "Нельзя голосовать за собственный отзыв." in response.content.decode()
    assert not ReviewVote.objects.exists()


def test_a_vote_needs_post_and_a_known_choice(client, review, other_shopper):
    client.force_login(other_shopper)
    assert client.get(f"/reviews/{review.pk}/vote/").status_code == 405
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "maybe"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert client.post("/reviews/999999/vote/", {"vote": "helpful"}).status_code == 404
    assert Review.objects.get(pk=review.pk).helpful_count == 0


@pytest.mark.parametrize(("helpful", "total", "text"), [
    (23, 25, "23 из 25 покупателей считают отзыв полезным"),
    (1, 1, "1 из 1 покупателя считает отзыв полезным"),
    (21, 21, "21 из 21 покупателя считает отзыв полезным"),
    (2, 5, "2 из 5 покупателей считают отзыв полезным"),
    (0, 3, "0 из 3 покупателей считают отзыв полезным"),
])
def test_the_helpful_sentence_agrees_in_russian(helpful, total, text):
    from django.utils import translation

    from reviews.templatetags.reviews_tags import helpful_sentence

    with translation.override("ru"):
        assert helpful_sentence(helpful, total) == text
    with translation.override("en"):
        assert helpful_sentence(helpful, total) == f"{helpful} of {total} shopper{'s' if total != 1 else ''} found this review helpful"
