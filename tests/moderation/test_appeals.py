"""Appeals: once per decision, from the account; shown in the queue; the answer is final and logged."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from wagtail.models import ModelLogEntry

from community.moderation import appeals, services
from community.moderation.models import Appeal, Decision, QueueItem, Status
from tests.testapp.models import Note


@pytest.fixture
def rejected(shopper, moderator):
    note = Note.objects.create(author=shopper, text="Мой отзыв о ноутбуке", status=Status.PENDING)
    services.moderate(moderator=moderator, content=note, action="reject", reason_code="off_topic")
    return note, Decision.objects.get(action="reject")


def item_of(note):
    return QueueItem.objects.get(content_type=ContentType.objects.get_for_model(Note), object_id=note.pk)


def test_an_author_appeals_once_from_their_account_and_it_reaches_the_queue(client, shopper, rejected, moderator):
    note, decision = rejected
    client.force_login(shopper)
    cabinet = client.get("/cabinet/").content.decode()
    assert f"/moderation/appeals/{decision.pk}/" in cabinet
    client.post(f"/moderation/appeals/{decision.pk}/", {"text": "Это отзыв именно о товаре, посмотрите ещё раз"})
    appeal = Appeal.objects.get(decision=decision)
    assert appeal.author == shopper and item_of(note).is_open and "appeal" in item_of(note).reason_codes
    second = client.post(f"/moderation/appeals/{decision.pk}/", {"text": "И ещё раз прошу пересмотреть"}, follow=True)
    assert Appeal.objects.count() == 1 and second.status_code == 200
    client.force_login(moderator)
    queue = client.get("/admin/moderation/", {"reason": "appeal"}).content.decode()
    assert "посмотрите ещё раз" in queue and f"/admin/moderation/appeals/{appeal.pk}/" in queue


def test_someone_else_cannot_appeal(other_shopper, rejected):
    with pytest.raises(PermissionDenied):
        appeals.appeal_create(author=other_shopper, decision=rejected[1], text="Пересмотрите, пожалуйста")
    assert not Appeal.objects.exists()


def test_a_granted_appeal_restores_the_content_and_is_final(client, shopper, moderator, rejected):
    note, decision = rejected
    appeal = appeals.appeal_create(author=shopper, decision=decision, text="Это отзыв именно о товаре")
    client.force_login(moderator)
    client.post(f"/admin/moderation/appeals/{appeal.pk}/", {"grant": "1", "answer": "Вы правы, извините"})
    note.refresh_from_db()
    appeal.refresh_from_db()
    assert note.status == Status.PUBLISHED and appeal.granted is True and not item_of(note).is_open
    assert ModelLogEntry.objects.filter(action="community.moderation.appeal", object_id=str(note.pk)).exists()
    with pytest.raises(services.ModerationError):
        appeals.appeal_decide(moderator=moderator, appeal=appeal, grant=False, answer="Передумал")
    client.force_login(shopper)
    assert "Вы правы, извините" in client.get("/cabinet/").content.decode()


def test_a_denied_appeal_keeps_the_decision(shopper, moderator, rejected):
    note, decision = rejected
    appeal = appeals.appeal_create(author=shopper, decision=decision, text="Это отзыв именно о товаре")
    appeals.appeal_decide(moderator=moderator, appeal=appeal, grant=False, answer="Текст не о товаре")
    note.refresh_from_db()
    assert note.status == Status.REJECTED and not item_of(note).is_open


def test_shoppers_cannot_answer_appeals(client, shopper, other_shopper, rejected):
    appeal = appeals.appeal_create(author=shopper, decision=rejected[1], text="Это отзыв именно о товаре")
    client.force_login(other_shopper)
    assert client.post(f"/admin/moderation/appeals/{appeal.pk}/", {"grant": "1", "answer": "x"}).status_code in (302, 403)
    appeal.refresh_from_db()
    assert appeal.resolved_at is None
