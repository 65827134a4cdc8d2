"""Writing, editing and deleting reviews through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import ModelLogEntry

from community import events
from community.moderation.models import Status
from community.moderation.services import moderate
from reviews import services
from reviews.models import Review, ReviewRevision
from tests.factories import PurchaseFactory, UserFactory
from tests.reviews.factories import stats_of, write_review


@pytest.fixture
def received():
    """Domain events sent during the test, as (name, kwargs)."""
    log = []
    handlers = {}
    for name in ("review_published", "review_removed", "review_edited", "review_voted"):
        def handler(sender, _name=name, **kwargs):
            kwargs.pop("signal", None)
            log.append((_name, kwargs))
        handlers[name] = handler
        getattr(events, name).connect(handler, weak=False, dispatch_uid=f"test-{name}")
    yield log
    for name in handlers:
        getattr(events, name).disconnect(dispatch_uid=f"test-{name}")


def test_a_trusted_shoppers_review_is_published_and_counted(product, shopper, no_premoderation, received):
    review = write_review(shopper, product, rating=4, text="Отличный ноутбук, <b>тихий</b>.\n\nРекомендую.")
    assert review.status == Status.PUBLISHED
    assert review.text_html == "<p>Отличный ноутбук, <b>тихий</b>.</p><p>Рекомендую.</p>"
    assert stats_of(product) == (1, 4, 0, 0, 0, 1, 0)
    assert received == [("review_published", {"review": review})]


def test_a_new_users_first_review_awaits_moderation_and_is_not_counted(product, newcomer, received):
    review = write_review(newcomer, product, rating=2)
    assert review.status == Status.PENDING
    assert stats_of(product) == (0,) * 7
    assert received == []


def test_approving_a_pending_review_counts_it_and_sends_review_published(product, newcomer, moderator, received):
    review = write_review(newcomer, product, rating=2)
    moderate(moderator=moderator, content=review, action="approve")
    assert stats_of(product) == (1, 2, 0, 1, 0, 0, 0)
    assert [name for name, _kw in received] == ["review_published"]


def test_later_reviews_of_a_user_with_a_published_one_publish_directly(page_tree, newcomer, moderator):
    first = write_review(newcomer, page_tree["products"][0])
    moderate(moderator=moderator, content=first, action="approve")
    second = write_review(newcomer, page_tree["products"][1])
    assert second.status == Status.PUBLISHED


def test_links_in_reviews_are_ugc_nofollow(product, shopper, no_premoderation):
    review = write_review(shopper, product, text="Смотрите https://example.com/obzor и <script>alert(1)</script>")
    assert 'rel="ugc nofollow noopener"' in review.text_html
    assert "<script>" not in review.text_html


def test_a_buyer_from_the_shops_feed_gets_the_verified_purchase_flag(product, shopper, other_shopper, no_premoderation):
    PurchaseFactory(user=shopper, product=product)
    assert write_review(shopper, product).verified_purchase is True
    assert write_review(other_shopper, product).verified_purchase is False


def test_a_purchase_reported_after_the_review_verifies_it(product, shopper, no_premoderation):
    review = write_review(shopper, product)
    from community.catalog.feed import feed_import

    feed_import(purchases=[(1, {"order_ref": "Z-1", "user": shopper.username, "sku": product.sku, "purchased_at": "2026-01-10"})])
    review.refresh_from_db()
    assert review.verified_purchase is True


def test_a_second_review_of_the_same_product_is_refused_and_names_the_first(product, shopper, no_premoderation):
    first = write_review(shopper, product)
    with pytest.raises(services.ReviewExists) as error:
        write_review(shopper, product, rating=1)
    assert error.value.review == first
    assert Review.objects.count() == 1
    assert stats_of(product)[0] == 1


def test_an_anonymous_user_cannot_write_a_review(product):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        write_review(AnonymousUser(), product)


@pytest.mark.parametrize("rating", [0, 6, -1, "пять", None, "4.5"])
def test_a_rating_outside_1_to_5_is_refused(product, shopper, rating):
    with pytest.raises(ValidationError) as error:
        write_review(shopper, product, rating=rating)
    assert "rating" in error.value.message_dict
    assert not Review.objects.exists()


def test_empty_and_too_long_texts_are_refused(product, shopper):
    with pytest.raises(ValidationError) as empty:
        write_review(shopper, product, text="   \n ")
    with pytest.raises(ValidationError) as long:
        write_review(shopper, product, text="а" * 10_001)
    assert "text" in empty.value.message_dict and "text" in long.value.message_dict
    assert not Review.objects.exists()
    write_review(shopper, product, text="а" * 10_000)  # exactly the limit is fine


def test_an_edit_keeps_the_previous_version_and_marks_the_review_edited(product, shopper, no_premoderation, received):
    review = write_review(shopper, product, rating=5, title="Супер", text="Всё отлично", pros="Быстрый")
    received.clear()
    updated = services.review_update(editor=shopper, review=review, rating=3, title="Нормально",
                                     text="Через месяц начал греться", pros="Быстрый", cons="Шумный")
    assert updated.is_edited
    assert updated.cons_html == "<p>Шумный</p>"
    revision = ReviewRevision.objects.get(review=review)
    assert (revision.rating, revision.title, revision.text, revision.editor) == (5, "Супер", "Всё отлично", shopper)
    assert stats_of(product) == (1, 3, 0, 0, 1, 0, 0)
    assert [name for name, _kw in received] == ["review_edited"]
    assert ModelLogEntry.objects.filter(action="wagtail.edit", object_id=str(review.pk)).exists()


def test_saving_an_unchanged_review_records_no_revision(product, shopper, no_premoderation):
    review = write_review(shopper, product, rating=5, title="Супер", text="Всё отлично")
    services.review_update(editor=shopper, review=review, rating=5, title="Супер", text="Всё отлично")
    review.refresh_from_db()
    assert not review.is_edited
    assert not ReviewRevision.objects.exists()


def test_editing_a_pending_review_changes_no_stats(product, newcomer):
    review = write_review(newcomer, product, rating=5)
    services.review_update(editor=newcomer, review=review, rating=1, text="Передумал")
    assert stats_of(product) == (0,) * 7


def test_a_rejected_review_goes_back_to_moderation_when_corrected(product, newcomer, moderator):
    review = write_review(newcomer, product, rating=5)
    moderate(moderator=moderator, content=review, action="reject", reason="Реклама")
    updated = services.review_update(editor=newcomer, review=review, rating=5, text="Без рекламы")
    assert updated.status == Status.PENDING


def test_a_removed_review_cannot_be_edited(product, shopper, moderator, no_premoderation):
    review = write_review(shopper, product)
    moderate(moderator=moderator, content=review, action="remove", reason="Оскорбления")
    with pytest.raises(services.ReviewError):
        services.review_update(editor=shopper, review=review, rating=5, text="Исправил")


def test_a_removed_review_cannot_be_deleted_to_make_room_for_a_new_one(product, shopper, moderator, no_premoderation):
    review = write_review(shopper, product)
    moderate(moderator=moderator, content=review, action="remove", reason="Спам")
    with pytest.raises(services.ReviewError):
        services.review_delete(actor=shopper, review=review)
    with pytest.raises(services.ReviewExists):
        write_review(shopper, product)


def test_nobody_but_the_author_edits_or_deletes_a_review(product, shopper, other_shopper, moderator, no_premoderation):
    review = write_review(shopper, product)
    for user in (other_shopper, moderator):
        with pytest.raises(PermissionDenied):
            services.review_update(editor=user, review=review, rating=1, text="Подделка")
        with pytest.raises(PermissionDenied):
            services.review_delete(actor=user, review=review)
    review.refresh_from_db()
    assert review.rating == 5 and review.text != "Подделка"


def test_the_author_deletes_their_review_and_it_leaves_the_stats(product, shopper, other_shopper, no_premoderation, received):
    review = write_review(shopper, product, rating=4)
    services.review_vote(voter=other_shopper, review=review, helpful=True)
    received.clear()
    services.review_delete(actor=shopper, review=review)
    assert not Review.objects.exists()
    assert stats_of(product) == (0,) * 7
    assert [name for name, _kw in received] == ["review_removed"]
    assert received[0][1]["previous_status"] == Status.PUBLISHED
    # …and may write a new one later.
    assert write_review(shopper, product).pk != review.pk


def test_hiding_removing_and_restoring_keep_the_stats_exact(product, shopper, other_shopper, moderator, no_premoderation, received):
    review = write_review(shopper, product, rating=5)
    write_review(other_shopper, product, rating=3)
    received.clear()
    moderate(moderator=moderator, content=review, action="hide", reason="Проверяем")
    assert stats_of(product) == (1, 3, 0, 0, 1, 0, 0)
    moderate(moderator=moderator, content=review, action="approve")
    assert stats_of(product) == (2, 8, 0, 0, 1, 0, 1)
    moderate(moderator=moderator, content=review, action="remove", reason="Фейк")
    assert stats_of(product) == (1, 3, 0, 0, 1, 0, 0)
    moderate(moderator=moderator, content=review, action="restore")
    assert stats_of(product) == (2, 8, 0, 0, 1, 0, 1)
    assert [name for name, _kw in received] == ["review_removed", "review_published", "review_removed", "review_published"]


def test_three_trusted_flags_hide_a_review_and_take_it_out_of_the_stats(product, shopper, no_premoderation):
    from community.moderation.services import flag

    review = write_review(shopper, product, rating=1)
    for n in range(3):
        flag(reporter=UserFactory(username=f"flagger{n}", verified=True), content=review, reason="spam")
    review.refresh_from_db()
    assert review.status == Status.HIDDEN
    assert stats_of(product) == (0,) * 7


def test_the_shop_replies_once_and_can_replace_its_reply(product, shopper, staff, no_premoderation):
    review = write_review(shopper, product)
    services.review_reply(author=staff, review=review, text="Спасибо за отзыв! Подробнее: https://shop.example/help")
    reply = services.review_reply(author=staff, review=review, text="Спасибо! Заменили по гарантии.")
    review.refresh_from_db()
    assert review.shop_reply == reply
    assert reply.text_html == "<p>Спасибо! Заменили по гарантии.</p>"


def test_only_staff_can_reply_as_the_shop(product, shopper, other_shopper, no_premoderation):
    review = write_review(shopper, product)
    with pytest.raises(PermissionDenied):
        services.review_reply(author=other_shopper, review=review, text="Я магазин")
