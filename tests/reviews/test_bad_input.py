"""Bad input through the real pages: a clear message in the user's language or a 4xx, and
nothing half-written (no review row, no photo row, no file)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews.models import Review, ReviewPhoto, ReviewVote, ShopReply
from tests.reviews.factories import image_upload, write_review


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def nothing_written():
    media = Path(settings.MEDIA_ROOT) / "reviews"
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    return not Review.objects.exists() and not ReviewPhoto.objects.exists() and not files


@pytest.fixture
def write(client, product, shopper):
    client.force_login(shopper)
    url = product.url + "reviews/write/"

    def post(**fields):
        data = {"rating": "5", "title": "Заголовок", "text": "Нормальный текст"}
        data.update(fields)
        return client.post(url, {k: v for k, v in data.items() if v is not None})

    return post


@pytest.mark.parametrize("rating", ["0", "6", "-3", "пять", "4.5", None])
def test_a_rating_outside_1_to_5_is_refused_with_a_message(write, rating):
    response = write(rating=rating)
    assert response.status_code == 400
    assert "Поставьте оценку от 1 до 5 звёзд." in response.content.decode()
    assert nothing_written()


def test_an_empty_text_is_refused_with_a_message(write):
    response = write(text="   ")
    assert response.status_code == 400
    assert "Текст не может быть пустым." in response.content.decode()
    assert nothing_written()


def test_a_text_over_10000_characters_is_refused_with_a_message(write):
    response = write(text="я" * 10_001)
    assert response.status_code == 400
    assert "не более 10000 символов" in response.content.decode()
    assert nothing_written()


def test_more_than_six_photos_are_refused_with_a_message(write):
    response = write(photos=[image_upload(f"{n}.jpg", size=(40, 40)) for n in range(7)])
    assert response.status_code == 400
    assert "К отзыву можно приложить не больше 6 фото." in response.content.decode()
    assert nothing_written()


def test_a_non_image_file_is_refused_with_a_message(write):
    response = write(photos=[image_upload("ok.jpg", size=(40, 40)),
                             SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 100, "image/jpeg")])
    assert response.status_code == 400
    assert "Файл «virus.exe» — не изображение JPEG, PNG или WebP." in response.content.decode()
    assert nothing_written()


def test_an_oversized_file_is_refused_with_a_message(write):
    response = write(photos=[SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"\0" * (8 * 1024 * 1024 + 1), "image/jpeg")])
    assert response.status_code == 400
    assert "Файл «huge.jpg» больше 8 МБ." in response.content.decode()
    assert nothing_written()


def test_messages_follow_the_users_language(client, write):
    client.cookies["lang"] = "en"
    response = write(rating="9")
    assert "Choose a rating from 1 to 5 stars." in response.content.decode()


def test_a_second_review_becomes_an_edit_of_the_first(write, shopper, product):
    write(text="Первый отзыв")
    write(text="Второй отзыв", rating="2")
    review = Review.objects.get()
    assert (review.text, review.rating) == ("Второй отзыв", 2)


def test_a_second_review_through_the_service_is_refused(product, shopper):
    from reviews.services import ReviewExists

    write_review(shopper, product)
    with pytest.raises(ReviewExists):
        write_review(shopper, product)
    assert Review.objects.count() == 1


def test_a_forged_delete_of_someone_elses_review_is_forbidden(client, product, shopper, other_shopper):
    review = write_review(shopper, product)
    client.force_login(other_shopper)
    assert client.post(f"/reviews/{review.pk}/delete/").status_code == 403
    client.logout()
    assert client.post(f"/reviews/{review.pk}/delete/").status_code == 302  # to the login page
    assert Review.objects.filter(pk=review.pk).exists()


def test_a_forged_photo_removal_on_someone_elses_review_changes_nothing(client, product, shopper, other_shopper, no_premoderation):
    theirs = write_review(shopper, product, photos=[image_upload(size=(40, 40))])
    photo = theirs.photos.get()
    client.force_login(other_shopper)
    mine = write_review(other_shopper, product, photos=[image_upload(size=(40, 40))])
    response = client.post(product.url + "reviews/write/", {
        "rating": "5", "text": mine.text, "remove_photos": [str(photo.pk)],
    })
    assert response.status_code == 400
    assert ReviewPhoto.objects.filter(pk=photo.pk).exists() and mine.photos.count() == 1


def test_a_forged_shop_reply_by_a_shopper_is_forbidden(client, product, shopper, other_shopper, no_premoderation):
    review = write_review(shopper, product)
    client.force_login(other_shopper)
    assert client.post(f"/reviews/{review.pk}/reply/", {"text": "Я из магазина"}).status_code == 403
    assert not ShopReply.objects.exists()


def test_a_vote_on_ones_own_review_is_refused(client, product, shopper, no_premoderation):
    review = write_review(shopper, product)
    client.force_login(shopper)
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "собственный" in response.json()["error"]
    assert not ReviewVote.objects.exists()


def test_an_anonymous_vote_is_refused(client, product, shopper, no_premoderation):
    review = write_review(shopper, product)
    response = client.post(f"/reviews/{review.pk}/vote/", {"vote": "helpful"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert not ReviewVote.objects.exists()


def test_a_post_without_csrf_token_is_refused(product, shopper, no_premoderation):
    from django.test import Client

    review = write_review(shopper, product)
    client = Client(enforce_csrf_checks=True)
    client.force_login(shopper)
    assert client.post(f"/reviews/{review.pk}/delete/").status_code == 403
    assert Review.objects.exists()
