"""Factories for reviews: images made with Pillow, reviews written through the services or in
bulk (for the size tests)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.moderation.models import Status
from reviews import aggregates, services
from reviews.models import ProductReviewStats, Review, ReviewPhoto, ReviewVote
from reviews.ranking import wilson_lower_bound
from tests.factories import UserFactory

TEXT = "Пользуюсь две недели. Экран яркий, батарея держит день.\n\nДоставили быстро."


def image_upload(name: str = "photo.jpg", *, fmt: str = "JPEG", size=(1200, 900), exif_gps: bool = False,
                 color=(180, 90, 40)) -> SimpleUploadedFile:
    """A real image file, optionally with EXIF GPS data (to check that it is stripped)."""
    image = Image.new("RGB", size, color)
    buffer = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        exif[0x0112] = 6  # Orientation: rotate 90°
        gps = exif.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (55.0, 45.0, 21.0)
        gps[3] = "E"
        gps[4] = (37.0, 37.0, 4.0)
        kwargs["exif"] = exif.tobytes()
    image.save(buffer, format=fmt, **kwargs)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def write_review(author, product, *, rating: int = 5, text: str = TEXT, title: str = "Хороший товар", **kwargs) -> Review:
    return services.review_create(author=author, product=product, rating=rating, title=title, text=text, **kwargs)


def published_review(product, *, author=None, rating: int = 5, **kwargs) -> Review:
    """A published review written through the service by an author who skips pre-moderation."""
    from django.test import override_settings

    author = author or UserFactory(verified=True)
    with override_settings(MODERATION_PREMODERATE_FIRST=0):
        review = write_review(author, product, rating=rating, **kwargs)
    assert review.status == Status.PUBLISHED
    return review


def bulk_reviews(product, count: int, *, photos_every: int = 3, votes_by=None, start: int = 0) -> list[Review]:
    """``count`` published reviews with authors, photos and (optionally) votes by ``votes_by``,
    made with bulk_create; the aggregates are set to match."""
    from django.contrib.auth import get_user_model

    from community.accounts.models import Profile

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"bulk{start + n}", email=f"bulk{start + n}@example.ru") for n in range(count)]
    )
    if not users[0].pk:  # backends without RETURNING for bulk_create
        users = list(user_model.objects.filter(username__startswith="bulk").order_by("pk"))[start:start + count]
    Profile.objects.bulk_create([Profile(user=u, display_name=f"Покупатель {n}") for n, u in enumerate(users)],
                                ignore_conflicts=True)
    reviews = Review.objects.bulk_create([
        Review(author=u, product=product, rating=1 + n % 5, title=f"Отзыв {n}", text=TEXT,
               text_html="<p>Пользуюсь две недели.</p>", status=Status.PUBLISHED,
               verified_purchase=n % 2 == 0, helpful_count=n % 7, unhelpful_count=n % 3,
               helpful_score=wilson_lower_bound(n % 7, n % 7 + n % 3))
        for n, u in enumerate(users)
    ])
    if not reviews[0].pk:
        reviews = list(Review.objects.filter(product=product).order_by("pk"))
    ReviewPhoto.objects.bulk_create([
        ReviewPhoto(review=r, image=f"reviews/test/{r.pk}.webp", width=800, height=600,
                    thumbnail=f"reviews/test/{r.pk}-thumb.webp", thumbnail_width=320, thumbnail_height=240,
                    status=Status.PUBLISHED)
        for n, r in enumerate(reviews) if photos_every and n % photos_every == 0
    ])
    if votes_by is not None:
        ReviewVote.objects.bulk_create([ReviewVote(voter=votes_by, review=r, helpful=n % 2 == 0)
                                        for n, r in enumerate(reviews)])
    aggregates.review_aggregates_rebuild()
    return reviews


def stats_of(product) -> tuple[int, ...]:
    stats = ProductReviewStats.objects.filter(product=product).first()
    return stats.as_tuple() if stats else (0,) * 7
