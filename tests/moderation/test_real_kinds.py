"""The queue with the real kinds the apps register: reviews, photos, questions, answers, chat."""

from django.contrib.contenttypes.models import ContentType

from chat import services as chat_services
from chat.models import Message
from community.moderation import registry, services
from community.moderation.models import Decision, Flag, QueueItem, Status
from community.qa import services as qa_services
from experts.models import ReputationEvent
from reviews import services as review_services
from reviews.models import Review
from tests.reviews.factories import published_review, write_review


def item_for(obj) -> QueueItem:
    return QueueItem.objects.get(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)


def test_every_content_kind_is_registered_by_its_app():
    assert set(registry.kinds()) >= {"review", "review_photo", "question", "answer", "chat_message"}


def test_a_newcomers_review_and_question_wait_in_the_queue_with_their_product(newcomer, product, page_tree):
    review = write_review(newcomer, product)
    question = qa_services.question_ask(author=newcomer, product=product, title="Сколько весит ноутбук?")
    assert review.status == question.status == Status.PENDING
    for obj, kind in ((review, "review"), (question, "question")):
        item = item_for(obj)
        assert item.is_open and item.kind == kind and item.product_id == product.pk
        assert item.category_id == page_tree["laptops"].pk and item.author == newcomer


def test_a_reported_chat_message_reaches_the_queue(product, shopper, other_shopper, moderator):
    room = chat_services.product_room_for(product)
    message = chat_services.message_post(author=shopper, room=room, body="Пишите мне в телеграм")
    assert not QueueItem.objects.exists()
    services.flag(reporter=other_shopper, content=message, reason="spam", text="реклама")
    item = item_for(message)
    assert item.kind == "chat_message" and item.product_id == product.pk and "телеграм" in item.excerpt
    services.moderate(moderator=moderator, content=Message.objects.get(pk=message.pk), action="hide", reason="Реклама")
    assert not item_for(message).is_open


def test_the_strike_survives_when_the_author_deletes_a_hidden_review(product, shopper, other_shopper, moderator):
    review = published_review(product, author=shopper)
    services.flag(reporter=other_shopper, content=review, reason="spam", text="реклама")
    services.moderate(moderator=moderator, content=review, action="hide", reason="Реклама")
    penalties = ReputationEvent.objects.filter(user=shopper, reason="flag_upheld", reversed_at__isnull=True)
    assert penalties.count() == 1

    review_services.review_delete(actor=shopper, review=Review.objects.get(pk=review.pk))

    kept = Review.objects.get(pk=review.pk)
    assert kept.status == Status.REMOVED and kept.moderation_reason == "Реклама"
    assert Flag.objects.for_content(kept).filter(upheld=True).count() == 1
    assert Decision.objects.get(author=shopper, action="hide").strike is True
    assert penalties.count() == 1  # the -100 stays


def test_deleting_a_published_review_keeps_its_reports_on_record(product, shopper, other_shopper):
    review = published_review(product, author=shopper)
    services.flag(reporter=other_shopper, content=review, reason="offensive")
    review_services.review_delete(actor=shopper, review=review)
    assert not Review.objects.filter(pk=review.pk).exists()
    assert Flag.objects.filter(object_id=review.pk).count() == 1
    assert not QueueItem.objects.open().exists()
