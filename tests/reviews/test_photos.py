"""Review photos: validated with Pillow, re-encoded without metadata, never left orphaned."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.moderation.models import Status
from community.moderation.services import moderate
from reviews import photos, services
from reviews.models import Review, ReviewPhoto
from tests.reviews.factories import image_upload, write_review


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "reviews"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(autouse=True)
def _empty_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_a_photo_is_re_encoded_resized_and_stripped_of_exif_and_gps(product, shopper, no_premoderation):
    review = write_review(shopper, product, photos=[image_upload("IMG_0001.jpg", size=(4000, 3000), exif_gps=True)])
    photo = review.photos.get()
    with Image.open(photo.image.path) as stored:
        assert stored.format == "WEBP"
        assert max(stored.size) == 1600
        assert not stored.getexif()
        assert "exif" not in stored.info and "xmp" not in stored.info
        # The EXIF orientation (90°) was applied to the pixels before it was dropped.
        assert stored.size == (1200, 1600)
    with Image.open(photo.thumbnail.path) as thumb:
        assert max(thumb.size) == 320
    assert (photo.width, photo.height) == (1200, 1600)
    assert photo.image.name.startswith("reviews/") and "IMG_0001" not in photo.image.name


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_accepted(product, shopper, fmt, no_premoderation):
    review = write_review(shopper, product, photos=[image_upload(f"p.{fmt.lower()}", fmt=fmt, size=(300, 200))])
    assert review.photos.count() == 1


def test_a_transparent_png_keeps_its_transparency(product, shopper, no_premoderation):
    buffer = io.BytesIO()
    Image.new("RGBA", (100, 100), (255, 0, 0, 0)).save(buffer, format="PNG")
    review = write_review(shopper, product, photos=[SimpleUploadedFile("t.png", buffer.getvalue(), "image/png")])
    with Image.open(review.photos.get().image.path) as stored:
        assert stored.mode == "RGBA"


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("notes.txt", b"just some text", "text/plain"), "не изображение JPEG, PNG или WebP"),
    (SimpleUploadedFile("fake.jpg", b"\xff\xd8\xff\xe0" + b"0" * 500, "image/jpeg"), "не изображение JPEG, PNG или WebP"),
    (SimpleUploadedFile("empty.jpg", b"", "image/jpeg"), "пустой"),
])
def test_a_file_that_is_not_a_photo_is_refused(product, shopper, upload, message):
    with pytest.raises(ValidationError) as error:
        write_review(shopper, product, photos=[upload])
    assert message in " ".join(error.value.message_dict["photos"])
    assert not Review.objects.exists() and not stored_files()


def test_a_gif_is_refused(product, shopper):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    with pytest.raises(ValidationError):
        write_review(shopper, product, photos=[SimpleUploadedFile("a.gif", buffer.getvalue(), "image/gif")])


def test_a_file_over_8_mb_is_refused_before_it_is_decoded(product, shopper):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (8 * 1024 * 1024), "image/jpeg")
    with pytest.raises(ValidationError) as error:
        write_review(shopper, product, photos=[big])
    assert "больше 8 МБ" in error.value.message_dict["photos"][0]
    assert not Review.objects.exists() and not stored_files()


def test_a_decompression_bomb_is_refused(product, shopper):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")  # 100 MP, a few kB on disk
    with pytest.raises(ValidationError):
        write_review(shopper, product, photos=[SimpleUploadedFile("bomb.png", buffer.getvalue(), "image/png")])
    assert not stored_files()


def test_more_than_six_photos_are_refused(product, shopper):
    with pytest.raises(ValidationError) as error:
        write_review(shopper, product, photos=[image_upload(f"{n}.jpg", size=(50, 50)) for n in range(7)])
    assert "photos" in error.value.message_dict
    assert not Review.objects.exists() and not stored_files()


def test_one_bad_photo_among_good_ones_writes_nothing(product, shopper):
    uploads = [image_upload("1.jpg", size=(60, 60)), SimpleUploadedFile("2.jpg", b"garbage", "image/jpeg")]
    with pytest.raises(ValidationError):
        write_review(shopper, product, photos=uploads)
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists() and not stored_files()


def test_a_failure_after_the_files_are_written_removes_them_and_the_review(product, shopper, monkeypatch):
    """The database refuses the photo rows (here: forced) after the files went to storage."""

    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ReviewPhoto.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(RuntimeError):
        write_review(shopper, product, photos=[image_upload("1.jpg", size=(60, 60)), image_upload("2.jpg", size=(60, 60))])
    assert not Review.objects.exists() and not stored_files()


def test_an_edit_adds_and_removes_photos_up_to_six(product, shopper, no_premoderation, django_capture_on_commit_callbacks):
    review = write_review(shopper, product, photos=[image_upload(f"{n}.jpg", size=(60, 60)) for n in range(5)])
    first = review.photos.first()
    with pytest.raises(ValidationError):
        services.review_update(editor=shopper, review=review, rating=5, text=review.text,
                               photos=[image_upload("a.jpg", size=(60, 60)), image_upload("b.jpg", size=(60, 60))])
    assert len(stored_files()) == 10
    with django_capture_on_commit_callbacks(execute=True):
        services.review_update(editor=shopper, review=review, rating=5, text=review.text,
                               photos=[image_upload("a.jpg", size=(60, 60)), image_upload("b.jpg", size=(60, 60))],
                               remove_photo_ids=[first.pk])
    assert review.photos.count() == 6
    assert len(stored_files()) == 12
    assert not Path(first.image.path).exists()


def test_deleting_a_review_deletes_its_files_after_commit(product, shopper, no_premoderation, django_capture_on_commit_callbacks):
    review = write_review(shopper, product, photos=[image_upload("1.jpg", size=(60, 60))])
    with django_capture_on_commit_callbacks(execute=True):
        services.review_delete(actor=shopper, review=review)
    assert not stored_files()


def test_photos_of_a_pending_review_follow_it_when_approved(product, newcomer, moderator):
    review = write_review(newcomer, product, photos=[image_upload("1.jpg", size=(60, 60))])
    assert review.photos.get().status == Status.PENDING
    moderate(moderator=moderator, content=review, action="approve")
    assert review.photos.get().status == Status.PUBLISHED


def test_a_moderator_can_take_down_one_photo_of_a_review(product, shopper, moderator, no_premoderation):
    review = write_review(shopper, product, photos=[image_upload(f"{n}.jpg", size=(60, 60)) for n in range(2)])
    photo = review.photos.first()
    moderate(moderator=moderator, content=photo, action="remove", reason="Личные данные на фото")
    review.refresh_from_db()
    assert review.status == Status.PUBLISHED
    assert list(ReviewPhoto.objects.visible().filter(review=review)) == [review.photos.last()]


def test_the_processing_limits_are_what_the_issue_says():
    assert photos.MAX_UPLOAD_BYTES == 8 * 1024 * 1024
    from reviews.models import MAX_PHOTOS

    assert MAX_PHOTOS == 6


def _flat_png(name: str, size: tuple[int, int]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def test_the_issue_10_worst_case_six_40_mp_pngs_is_refused_from_the_headers(product, shopper):
    """Six 6300×6300 PNGs of a few KB each once cost 42 s of CPU; now the header check refuses them."""
    import time

    uploads = [_flat_png(f"{n}.png", (6300, 6300)) for n in range(6)]
    start = time.process_time()
    with pytest.raises(ValidationError) as error:
        write_review(shopper, product, photos=uploads)
    assert time.process_time() - start < 1.0  # nothing was decoded (a sanity bound, not a benchmark)
    assert "по числу пикселей" in " ".join(error.value.message_dict["photos"])
    assert not Review.objects.exists() and not stored_files()


def test_photos_over_the_request_pixel_budget_are_refused_together(product, shopper):
    uploads = [_flat_png(f"{n}.png", (4000, 4000)) for n in range(3)]  # 48 MP to decode
    with pytest.raises(ValidationError) as error:
        write_review(shopper, product, photos=uploads)
    assert "вместе" in " ".join(error.value.message_dict["photos"])
    assert not Review.objects.exists() and not stored_files()


def test_a_50_mp_phone_jpeg_is_accepted_and_decoded_at_reduced_scale(product, shopper, no_premoderation):
    review = write_review(shopper, product, photos=[image_upload("big.jpg", size=(8160, 6120))])
    assert (review.photos.get().width, review.photos.get().height) == (1600, 1200)


def test_a_200_mp_jpeg_is_refused_with_a_clear_message(product, shopper):
    with pytest.raises(ValidationError) as error:
        write_review(shopper, product, photos=[image_upload("huge.jpg", size=(16320, 12240))])
    assert "по числу пикселей" in " ".join(error.value.message_dict["photos"])
