"""Moderators find, inspect and moderate reviews (and single photos) in the Wagtail admin."""

import pytest
from wagtail.models import ModelLogEntry

from community.moderation.models import Flag, Status
from community.moderation.services import flag
from reviews import services
from reviews.models import ReviewPhoto
from tests.reviews.factories import image_upload, stats_of, write_review

BASE = "/admin/snippets/reviews/review/"


@pytest.fixture
def reviews(page_tree, shopper, other_shopper, newcomer, no_premoderation, settings):
    laptop, _other, phone = page_tree["products"]
    good = write_review(shopper, laptop, rating=5, title="Отличный ноутбук", photos=[image_upload(size=(80, 60))])
    bad = write_review(other_shopper, phone, rating=1, title="Купите у нас дешевле")
    flag(reporter=shopper, content=bad, reason="spam", text="реклама конкурента")
    settings.MODERATION_PREMODERATE_FIRST = 1
    pending = write_review(newcomer, phone, rating=3, title="Первый отзыв новичка")
    return {"good": good, "bad": bad, "pending": pending, "laptop": laptop, "phone": phone}


def test_a_moderator_lists_reviews_filtered_by_status_product_rating_and_flags(client, moderator, reviews):
    client.force_login(moderator)
    everything = client.get(BASE).content.decode()
    assert all(title in everything for title in ("Отличный ноутбук", "Купите у нас дешевле", "Первый отзыв новичка"))
    pending = client.get(BASE, {"status": "pending"}).content.decode()
    assert "Первый отзыв новичка" in pending and "Отличный ноутбук" not in pending
    flagged = client.get(BASE, {"flagged": "true"}).content.decode()
    assert "Купите у нас дешевле" in flagged and "Отличный ноутбук" not in flagged
    by_product = client.get(BASE, {"product": reviews["laptop"].pk}).content.decode()
    assert "Отличный ноутбук" in by_product and "Купите у нас дешевле" not in by_product
    by_rating = client.get(BASE, {"rating": "1"}).content.decode()
    assert "Купите у нас дешевле" in by_rating and "Отличный ноутбук" not in by_rating
    searched = client.get(BASE, {"q": "дешевле"}).content.decode()
    assert "Купите у нас дешевле" in searched and "Отличный ноутбук" not in searched


def test_the_inspect_page_shows_the_edit_history_flags_and_photos(client, moderator, shopper, reviews):
    services.review_update(editor=shopper, review=reviews["good"], rating=4, title="Хороший ноутбук",
                           text="Поначалу понравился, потом начал шуметь")
    client.force_login(moderator)
    page = client.get(f"{BASE}inspect/{reviews['good'].pk}/").content.decode()
    assert "Отличный ноутбук" in page  # the previous title, in the history
    assert "История правок" in page
    assert "-thumb.webp" in page
    flagged = client.get(f"{BASE}inspect/{reviews['bad'].pk}/").content.decode()
    assert "реклама конкурента" in flagged
    assert f"{BASE}moderate/{reviews['bad'].pk}/" in flagged


@pytest.mark.parametrize(("key", "action", "status", "counted"), [
    ("pending", "approve", Status.PUBLISHED, 2),
    ("pending", "reject", Status.REJECTED, 1),
    ("bad", "hide", Status.HIDDEN, 0),
    ("bad", "remove", Status.REMOVED, 0),
])
def test_moderator_actions_go_through_the_moderate_service_and_keep_stats(client, moderator, reviews, key, action, status, counted):
    review = reviews[key]
    client.force_login(moderator)
    response = client.post(f"{BASE}moderate/{review.pk}/", {"action": action, "reason": "Проверено модератором"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == status
    assert stats_of(reviews["phone"])[0] == counted
    assert ModelLogEntry.objects.filter(object_id=str(review.pk), action=f"community.moderation.{action}").exists()
    if key == "bad":
        assert Flag.objects.get().resolved


def test_a_moderator_takes_down_one_photo_and_keeps_the_review(client, moderator, reviews):
    photo = reviews["good"].photos.get()
    client.force_login(moderator)
    listing = client.get("/admin/snippets/reviews/reviewphoto/").content.decode()
    assert photo.thumbnail.url in listing
    response = client.post(f"/admin/snippets/reviews/reviewphoto/moderate/{photo.pk}/",
                           {"action": "remove", "reason": "Лицо постороннего человека"})
    assert response.status_code == 302
    assert ReviewPhoto.objects.get(pk=photo.pk).status == Status.REMOVED
    reviews["good"].refresh_from_db()
    assert reviews["good"].status == Status.PUBLISHED


def test_shoppers_cannot_open_the_reviews_admin(client, shopper, reviews):
    client.force_login(shopper)
    assert client.get(BASE).status_code in (302, 403)
    response = client.post(f"{BASE}moderate/{reviews['bad'].pk}/", {"action": "remove", "reason": "x"})
    assert response.status_code in (302, 403)
    reviews["bad"].refresh_from_db()
    assert reviews["bad"].status == Status.PUBLISHED


def test_moderators_cannot_rewrite_reviews(client, moderator, reviews):
    client.force_login(moderator)
    assert client.get(f"{BASE}edit/{reviews['good'].pk}/").status_code in (302, 403)
