"""Reviews on product pages: summary, histogram, sorting, filters, pagination, visibility."""

import re

import pytest
from django.conf import settings as dj_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.moderation.models import Status
from community.moderation.services import moderate
from reviews import services
from reviews.models import Review
from tests.factories import PurchaseFactory, UserFactory
from tests.html_checks import assert_healthy_page
from tests.reviews.factories import bulk_reviews, image_upload, published_review, write_review


def reviews_url(product) -> str:
    return product.url + "reviews/"


def titles(response) -> list[str]:
    return [r.title for r in response.context["listing"].reviews]


@pytest.fixture
def rated(product):
    """Five published reviews with ratings 5, 4, 4, 2, 1 (average 3.2)."""
    return [published_review(product, author=UserFactory(username=f"rater{n}", verified=True), rating=rating,
                             title=f"Оценка {rating} №{n}")
            for n, rating in enumerate([5, 4, 4, 2, 1])]


def test_the_product_page_shows_the_average_count_and_a_histogram_of_links(client, product, rated):
    response = client.get(product.url)
    content = response.content.decode()
    assert response.status_code == 200
    summary = content[content.index('class="rating-short"'):content.index('class="rating-short"') + 800]
    assert "3,2" in summary and "5 отзывов" in summary and 'href="#reviews"' in summary
    histogram = re.findall(r'href="[^"]*\?stars=(\d)">.*?<span aria-hidden="true">(\d+)</span>', content, re.S)
    assert histogram == [("5", "1"), ("4", "2"), ("3", "0"), ("2", "1"), ("1", "1")]
    assert f'href="{reviews_url(product)}?stars=5"' in content
    assert '<section class="product-section" id="reviews" aria-labelledby="reviews-heading">' in content
    assert_healthy_page(content)


def test_a_product_without_reviews_invites_the_first_one(client, product):
    content = client.get(product.url).content.decode()
    assert "Отзывов пока нет" in content
    assert f'href="{reviews_url(product)}write/"' in content


@pytest.mark.parametrize(("sort", "expected"), [
    ("newest", ["Оценка 1 №4", "Оценка 2 №3", "Оценка 4 №2", "Оценка 4 №1", "Оценка 5 №0"]),
    ("highest", ["Оценка 5 №0", "Оценка 4 №2", "Оценка 4 №1", "Оценка 2 №3", "Оценка 1 №4"]),
    ("lowest", ["Оценка 1 №4", "Оценка 2 №3", "Оценка 4 №2", "Оценка 4 №1", "Оценка 5 №0"]),
])
def test_reviews_sort_by_date_and_rating(client, product, rated, sort, expected):
    assert titles(client.get(reviews_url(product), {"sort": sort})) == expected


def test_most_helpful_sorts_by_the_wilson_lower_bound_not_the_raw_share(client, product, rated, voters):
    one_of_one, many = rated[4], rated[3]
    services.review_vote(voter=voters[0], review=one_of_one, helpful=True)  # 1 of 1
    for voter in voters:  # 4 of 5
        services.review_vote(voter=voter, review=many, helpful=voter != voters[4])
    listed = titles(client.get(reviews_url(product)))
    assert listed[:2] == [many.title, one_of_one.title]


def test_filters_by_stars_verified_purchase_and_photos(client, product, rated):
    PurchaseFactory(user=rated[1].author, product=product)
    services.review_update(editor=rated[1].author, review=rated[1], rating=4, title=rated[1].title, text="Купил тут",
                           photos=[image_upload(size=(40, 40))])
    assert titles(client.get(reviews_url(product), {"stars": 4, "sort": "newest"})) == ["Оценка 4 №2", "Оценка 4 №1"]
    assert titles(client.get(reviews_url(product), {"verified": 1})) == ["Оценка 4 №1"]
    assert titles(client.get(reviews_url(product), {"photos": 1})) == ["Оценка 4 №1"]
    response = client.get(reviews_url(product), {"stars": 4})
    assert 'aria-current="true"' in response.content.decode()
    assert '<meta name="robots" content="noindex, follow">' in response.content.decode()
    # Unknown values fall back to the defaults.
    assert len(titles(client.get(reviews_url(product), {"stars": 9, "sort": "random"}))) == 5


def test_reviews_paginate_ten_a_page_with_self_canonical_urls(client, product):
    bulk_reviews(product, 23)
    first, second, third = (client.get(reviews_url(product), {"page": n}) for n in (1, 2, 3))
    assert [len(r.context["listing"].reviews) for r in (first, second, third)] == [10, 10, 3]
    assert f'<link rel="canonical" href="{dj_settings.SITE_URL}{reviews_url(product)}?page=2">' in second.content.decode()
    assert f'<link rel="canonical" href="{dj_settings.SITE_URL}{reviews_url(product)}">' in client.get(reviews_url(product)).content.decode()
    assert 'rel="next" href="?page=3"' in second.content.decode()
    sorted_page = client.get(reviews_url(product), {"page": 2, "sort": "newest"}).content.decode()
    assert f'<link rel="canonical" href="{dj_settings.SITE_URL}{reviews_url(product)}?sort=newest&amp;page=2">' in sorted_page
    assert 'href="?sort=newest&amp;page=3"' in sorted_page
    assert client.get(reviews_url(product), {"page": 4}).status_code == 404
    assert client.get(reviews_url(product), {"page": "abc"}).status_code == 404
    assert set(titles(first)).isdisjoint(titles(second))
    assert_healthy_page(second.content.decode())


def test_the_product_page_shows_ten_reviews_and_links_to_page_two(client, product):
    bulk_reviews(product, 12)
    content = client.get(product.url).content.decode()
    assert content.count('class="review"') == 10
    assert f'href="{reviews_url(product)}?page=2" rel="next"' in content


def test_a_review_shows_its_badges_edit_mark_photos_reply_and_helpful_count(client, product, shopper, staff, voters, no_premoderation):
    PurchaseFactory(user=shopper, product=product)
    review = write_review(shopper, product, photos=[image_upload(size=(640, 480))])
    services.review_update(editor=shopper, review=review, rating=4, title="Обновил", text="Через месяц всё так же хорошо")
    services.review_reply(author=staff, review=review, text="Спасибо, что выбрали нас!")
    for voter in voters[:3]:
        services.review_vote(voter=voter, review=review, helpful=True)
    services.review_vote(voter=voters[3], review=review, helpful=False)
    content = client.get(reviews_url(product)).content.decode()
    assert "Покупка подтверждена" in content
    assert ">изменён<" in content
    assert "Ответ магазина" in content and "Спасибо, что выбрали нас!" in content
    assert "3 из 4 покупателей считают отзыв полезным" in content
    assert re.search(r'<img src="/media/reviews/[^"]+-thumb\.webp" width="320" height="240"', content)
    assert f'href="/users/{shopper.username}/"' in content  # the shared author component


def test_a_pending_review_is_visible_only_to_its_author_and_moderators(client, product, newcomer, other_shopper, moderator):
    review = write_review(newcomer, product, title="Мой первый отзыв")
    assert "Мой первый отзыв" not in client.get(product.url).content.decode()
    client.force_login(other_shopper)
    assert "Мой первый отзыв" not in client.get(reviews_url(product)).content.decode()
    assert client.get(f"/reviews/{review.pk}/").status_code == 404
    client.force_login(newcomer)
    own = client.get(product.url).content.decode()
    assert "Мой первый отзыв" in own and "на модерации" in own
    assert_healthy_page(own)
    client.force_login(moderator)
    listed = client.get(reviews_url(product)).content.decode()
    assert "Мой первый отзыв" in listed and "на модерации" in listed


def test_a_pending_review_is_not_counted_in_listings(client, product, newcomer, rated):
    write_review(newcomer, product)
    response = client.get(reviews_url(product))
    assert response.context["listing"].page.paginator.count == 5


def test_the_author_is_shown_the_moderators_reason(client, product, shopper, moderator, no_premoderation):
    review = write_review(shopper, product)
    moderate(moderator=moderator, content=review, action="hide", reason="Уберите номер телефона")
    client.force_login(shopper)
    assert "Уберите номер телефона" in client.get(product.url).content.decode()


def test_a_removed_review_answers_410_and_a_published_one_has_its_own_page(client, product, rated, moderator):
    review = rated[0]
    response = client.get(f"/reviews/{review.pk}/")
    assert response.status_code == 200
    assert_healthy_page(response.content.decode())
    moderate(moderator=moderator, content=review, action="remove", reason="Спам")
    assert client.get(f"/reviews/{review.pk}/").status_code == 410
    assert client.get("/reviews/999999/").status_code == 404


def test_the_write_page_is_for_signed_in_users(client, product):
    response = client.get(reviews_url(product) + "write/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_a_shopper_writes_a_review_through_the_form(client, product, shopper, no_premoderation):
    client.force_login(shopper)
    form = client.get(reviews_url(product) + "write/")
    assert form.status_code == 200
    content = form.content.decode()
    assert '<fieldset class="star-fieldset">' in content and 'type="radio" name="rating" value="5"' in content
    assert_healthy_page(content)
    response = client.post(reviews_url(product) + "write/", {
        "rating": "4", "title": "Хороший", "text": "Тихий и быстрый", "pros": "Экран", "cons": "Цена",
        "photos": [image_upload("a.jpg", size=(100, 80)), image_upload("b.png", fmt="PNG", size=(80, 100))],
    })
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"reviews/#review-{review.pk}")
    assert (review.rating, review.photos.count(), review.status) == (4, 2, Status.PUBLISHED)
    assert "Спасибо! Ваш отзыв опубликован." in client.get(response["Location"]).content.decode()


def test_a_second_attempt_opens_the_existing_review_for_editing(client, product, shopper, no_premoderation):
    review = write_review(shopper, product, title="Первый", text="Текст первого")
    client.force_login(shopper)
    content = client.get(reviews_url(product) + "write/").content.decode()
    assert "<h1>Редактировать отзыв</h1>" in content and "Текст первого" in content
    client.post(reviews_url(product) + "write/", {"rating": "2", "title": "Первый", "text": "Исправленный"})
    review.refresh_from_db()
    assert Review.objects.count() == 1 and review.rating == 2 and review.is_edited


def test_the_author_deletes_a_review_from_the_page(client, product, shopper, no_premoderation):
    review = write_review(shopper, product)
    client.force_login(shopper)
    response = client.post(f"/reviews/{review.pk}/delete/")
    assert response.status_code == 302 and not Review.objects.exists()


def test_a_flag_from_the_page_reaches_the_moderators(client, product, rated, other_shopper):
    client.force_login(other_shopper)
    listing = client.get(reviews_url(product)).content.decode()
    assert f'href="/reviews/{rated[0].pk}/flag/?next=' in listing
    form = client.get(f"/reviews/{rated[0].pk}/flag/", {"next": reviews_url(product)})
    assert form.status_code == 200
    assert_healthy_page(form.content.decode())
    response = client.post(f"/reviews/{rated[0].pk}/flag/", {"reason": "spam", "text": "реклама",
                                                              "next": reviews_url(product)}, follow=True)
    assert "модераторы посмотрят" in response.content.decode()
    rated[0].refresh_from_db()
    assert rated[0].flag_count == 1
    again = client.post(f"/reviews/{rated[0].pk}/flag/", {"reason": "spam"})
    assert again.status_code == 400 and "Вы уже пожаловались" in again.content.decode()


def test_flagging_needs_a_login_and_a_reason(client, product, rated):
    assert client.get(f"/reviews/{rated[0].pk}/flag/")["Location"].startswith("/accounts/login/")
    client.force_login(rated[1].author)
    response = client.post(f"/reviews/{rated[0].pk}/flag/", {"reason": "because"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["error"] == "Выберите причину жалобы."
    own = client.post(f"/reviews/{rated[1].pk}/flag/", {"reason": "spam"})
    assert own.status_code == 400 and "собственный" in own.content.decode()


def test_staff_reply_from_the_page(client, product, rated, staff):
    client.force_login(staff)
    content = client.get(reviews_url(product)).content.decode()
    assert "Ответить от магазина" in content
    assert_healthy_page(content)
    client.post(f"/reviews/{rated[0].pk}/reply/", {"text": "Спасибо!"})
    assert rated[0].__class__.objects.get(pk=rated[0].pk).shop_reply.text == "Спасибо!"


# --- a fixed number of queries whatever the number of reviews ------------------------------------


def count_queries(client, url) -> int:
    client.get(url)  # warm caches (site root paths, content types)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def section_queries(product, viewer) -> int:
    """Queries of the reviews sections alone (both hooks and the section template)."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from reviews.wagtail_hooks import rating_summary_section, reviews_section

    request = RequestFactory().get(product.url)
    from community.accounts.permissions import CachedPermissionsBackend

    # As fresh as a request's, and loaded as a request loads it (with whether it has permissions).
    request.user = CachedPermissionsBackend().get_user(viewer.pk) if viewer else AnonymousUser()
    product.get_url(request)  # the site's root paths: read once per request by the page itself
    with CaptureQueriesContext(connection) as context:
        sections = [rating_summary_section(request, product), reviews_section(request, product)]
        merged = {k: v for section in sections for k, v in section.context.items()}
        html = render_to_string("reviews/section_reviews.html", merged, request=request)
    assert html.count('class="review"') == 10
    return len(context.captured_queries)


@pytest.mark.parametrize("viewer", ["anonymous", "shopper"])
def test_the_product_page_runs_the_same_queries_with_10_and_1000_reviews(
        client, page_tree, other_shopper, viewer, settings):
    # What the sections read when rendered (the cached page and parts: tests/test_page_budgets.py).
    settings.VERSIONED_PAGE_CACHE_SECONDS = settings.PRODUCT_PAGE_CACHE_SECONDS = 0
    small, large = page_tree["products"][0], page_tree["products"][1]
    signed_in = viewer == "shopper"
    if signed_in:
        client.force_login(other_shopper)
        PurchaseFactory(user=other_shopper, product=small)
        PurchaseFactory(user=other_shopper, product=large)
    votes_by = other_shopper if signed_in else None
    bulk_reviews(small, 10, votes_by=votes_by)
    bulk_reviews(large, 1000, votes_by=votes_by, start=10)
    assert count_queries(client, small.url) == count_queries(client, large.url)
    bulk_reviews(small, 5, start=2000)  # page 2 needs more than 10
    assert count_queries(client, reviews_url(small) + "?page=2&sort=newest") == count_queries(
        client, reviews_url(large) + "?page=2&sort=newest")
    # Ours: stats, reviews (authors, profiles, reply joined, photos as a column); signed in also
    # the viewer's state on the product (one query for every app: here, their votes and own
    # review). "Is this a moderator?" costs nothing: the user's query said they have no permission.
    expected = 3 if signed_in else 2
    assert section_queries(small, other_shopper if signed_in else None) == expected
    assert section_queries(large, other_shopper if signed_in else None) == expected


# Warm (the session comes from the shared cache): the user (with whether they have any
# permission), the site (with its root page), page routing (the catalog resolves a URL with its
# ancestors and view restrictions in one lookup) — and ours: stats, reviews (photos as a
# column), votes, own review (4).
REVIEWS_PAGE_QUERIES = 7


@pytest.mark.parametrize("size", [10, 1000])
def test_the_reviews_page_runs_a_fixed_number_of_queries(client, product, other_shopper, size, django_assert_num_queries):
    bulk_reviews(product, size + 10, votes_by=other_shopper)
    client.force_login(other_shopper)
    client.get(reviews_url(product) + "?page=2")
    with django_assert_num_queries(REVIEWS_PAGE_QUERIES):
        response = client.get(reviews_url(product) + "?page=2")
    assert response.content.decode().count('class="review"') == 10


def test_pages_of_newcomers_reviews_are_noindex_and_links_of_experts_are_followed(client, product, shopper, no_premoderation):
    from community.accounts.models import Profile

    review = write_review(shopper, product, text="Подробнее: https://example.com/test")
    assert 'rel="ugc nofollow noopener"' in review.text_html
    noindex = '<meta name="robots" content="noindex, follow">'
    assert noindex in client.get(f"/reviews/{review.pk}/").content.decode()  # a Newcomer's review
    assert noindex in client.get(reviews_url(product)).content.decode()
    Profile.objects.filter(user=shopper).update(level="member", expert_categories=[{"id": 1, "title": "Ноутбуки"}])
    assert noindex not in client.get(f"/reviews/{review.pk}/").content.decode()
    assert noindex not in client.get(reviews_url(product)).content.decode()
    shopper.refresh_from_db()
    edited = services.review_update(editor=shopper, review=review, rating=5, text="Подробнее: https://example.com/test2")
    assert 'rel="ugc noopener"' in edited.text_html
