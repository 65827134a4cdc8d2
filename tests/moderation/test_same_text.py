"""The "same text across accounts" signal: the same text (give or take case and punctuation)
posted by another account within the window puts both pieces in the queue with the reason and
the evidence, of any kind, once per pair; nothing is taken down."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from chat import services as chat_services
from chat.models import Message
from community.moderation import services
from community.moderation.models import QueueItem, QueueReason, Status, TextFingerprint
from community.moderation.same_text import digest_of
from community.qa import services as qa_services
from community.qa.models import Answer
from reviews.fake_signals import detect_fake_reviews
from tests.factories import UserFactory
from tests.reviews.factories import published_review

SPAM = "Лучшие цены на ноутбуки только у нас, пишите в телеграм, доставка за один день"


@pytest.fixture
def question(product, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    asker = UserFactory(username="yorick", verified=True)
    return qa_services.question_ask(author=asker, product=product, title="Есть ли подсветка клавиатуры?")


def item_of(content) -> QueueItem | None:
    ct = ContentType.objects.get_for_model(content)
    return QueueItem.objects.filter(content_type=ct, object_id=content.pk, is_open=True).first()


def signal_reasons(item: QueueItem) -> list[dict]:
    return [r for r in item.reasons if r["code"] == QueueReason.SIGNAL]


def test_the_same_answer_from_two_accounts_puts_both_in_the_queue_with_evidence(question, shopper, other_shopper):
    first = qa_services.answer_post(author=shopper, question=question, text=SPAM)
    assert item_of(first) is None
    second = qa_services.answer_post(author=other_shopper, question=question, text=SPAM.upper() + "!!!")
    [reason] = signal_reasons(item_of(second))
    assert reason["evidence"]["other_id"] == first.pk and "hamlet" in reason["evidence"]["summary"]
    [reason] = signal_reasons(item_of(first))
    assert reason["evidence"]["other_id"] == second.pk and "ophelia" in reason["evidence"]["summary"]
    assert {a.status for a in Answer.objects.all()} == {Status.PUBLISHED}  # nothing taken down


def test_copies_across_kinds_are_seen(question, product, shopper, other_shopper):
    answer = qa_services.answer_post(author=shopper, question=question, text=SPAM)
    message = chat_services.message_post(author=other_shopper, room=chat_services.product_room_for(product), body=SPAM)
    assert signal_reasons(item_of(Message.objects.get(pk=message.pk)))[0]["evidence"]["other_kind"] == "answer"
    assert signal_reasons(item_of(answer))[0]["evidence"]["other_kind"] == "chat_message"


def test_one_account_repeating_itself_short_texts_and_old_copies_raise_nothing(question, product, shopper,
                                                                              other_shopper):
    room = chat_services.product_room_for(product)
    qa_services.answer_post(author=shopper, question=question, text=SPAM)
    chat_services.message_post(author=shopper, room=room, body=SPAM)  # the same author: not this signal
    chat_services.message_post(author=shopper, room=room, body="Да, есть, белая")
    chat_services.message_post(author=other_shopper, room=room, body="Да, есть, белая")  # too short to call a copy
    assert not QueueItem.objects.open().exists()
    TextFingerprint.objects.update(created=question.created - timedelta(hours=73))
    qa_services.answer_post(author=other_shopper, question=question, text=SPAM)  # the copies are older than 72 h
    assert not QueueItem.objects.open().exists()


def test_a_dismissed_signal_does_not_come_back_nor_does_the_nightly_near_duplicate(page_tree, moderator):
    first = published_review(page_tree["products"][0], text=SPAM)
    second = published_review(page_tree["products"][1], text=SPAM)
    assert signal_reasons(item_of(first)) and signal_reasons(item_of(second))
    for review in (first, second):
        services.moderate(moderator=moderator, content=type(review).objects.get(pk=review.pk), action="dismiss")
    report = detect_fake_reviews()
    assert report.duplicate_pairs == 1 and report.raised == 0
    assert not QueueItem.objects.open().exists()


def test_deleted_content_is_no_longer_compared(question, shopper, other_shopper):
    first = qa_services.answer_post(author=shopper, question=question, text=SPAM)
    Answer.objects.filter(pk=first.pk).delete()
    assert not TextFingerprint.objects.exists()
    second = qa_services.answer_post(author=other_shopper, question=question, text=SPAM)
    assert item_of(second) is None


def test_the_normalised_text_ignores_case_punctuation_and_yo():
    assert digest_of("Ёлка — ЗЕЛЁНАЯ, пушистая; стоит в углу!") == digest_of("елка зеленая пушистая стоит в углу")
    assert digest_of("Слишком коротко") is None


def test_the_queue_shows_the_reason(client, moderator, question, shopper, other_shopper):
    qa_services.answer_post(author=shopper, question=question, text=SPAM)
    qa_services.answer_post(author=other_shopper, question=question, text=SPAM)
    client.force_login(moderator)
    client.cookies["lang"] = "ru"
    page = client.get(reverse("moderation_queue")).content.decode()
    assert "Тот же текст опубликован другим пользователем" in page and "hamlet" in page
