"""The one moderation queue: what enters it, decisions one by one and in bulk, claims, the page."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.models import ModelLogEntry

from community import events
from community.moderation import decisions, queue, sanctions, services
from community.moderation.models import Decision, Flag, QueueItem, Sanction, Status
from tests.factories import UserFactory
from tests.testapp.models import Note

QUEUE = "/admin/moderation/"


def trusted(name):
    return UserFactory(username=name, verified=True, date_joined=timezone.now() - timezone.timedelta(days=10))


@pytest.fixture
def pending_note(shopper):
    return Note.objects.create(author=shopper, text="Жду одобрения", status=Status.PENDING)


@pytest.fixture
def flagged_note(shopper, other_shopper):
    note = Note.objects.create(author=shopper, text="Купите у нас дёшево", status=Status.PUBLISHED)
    services.flag(reporter=other_shopper, content=note, reason="spam", text="реклама")
    return note


def item_of(note) -> QueueItem:
    return QueueItem.objects.get(content_type=ContentType.objects.get_for_model(Note), object_id=note.pk)


def test_pending_content_enters_the_queue_with_its_author_and_reason(pending_note, shopper):
    item = item_of(pending_note)
    assert item.is_open and item.kind == "note" and item.author == shopper
    assert item.reason_codes == "pending" and item.excerpt == "Жду одобрения"


def test_published_content_stays_out_until_it_is_reported(shopper, other_shopper):
    note = Note.objects.create(author=shopper, text="Нормальная заметка", status=Status.PUBLISHED)
    assert not QueueItem.objects.exists()
    services.flag(reporter=other_shopper, content=note, reason="offensive", text="грубо")
    item = item_of(note)
    assert item.is_open and item.flag_count == 1 and "flagged" in item.reason_codes


def test_approving_closes_the_item_records_the_decision_and_logs_it(pending_note, moderator):
    services.moderate(moderator=moderator, content=pending_note, action="approve")
    assert not item_of(pending_note).is_open
    decision = Decision.objects.get(object_id=pending_note.pk)
    assert decision.action == "approve" and decision.moderator == moderator and decision.status == Status.PUBLISHED
    assert ModelLogEntry.objects.filter(object_id=str(pending_note.pk), action="community.moderation.approve").exists()


def test_dismissing_reports_marks_them_unfounded_and_keeps_the_content(flagged_note, moderator):
    services.moderate(moderator=moderator, content=flagged_note, action="dismiss")
    flagged_note.refresh_from_db()
    assert flagged_note.status == Status.PUBLISHED
    assert list(Flag.objects.values_list("resolved", "upheld")) == [(True, False)]
    assert not item_of(flagged_note).is_open
    assert ModelLogEntry.objects.filter(object_id=str(flagged_note.pk), action="community.moderation.dismiss").exists()


def test_rejecting_with_a_listed_reason_tells_the_author_through_the_event(pending_note, moderator):
    heard = []

    def hear(sender, **kwargs):
        heard.append(kwargs)

    events.content_moderated.connect(hear, dispatch_uid="test-hear")
    try:
        item = item_of(pending_note)
        decisions.queue_decide(moderator=moderator, items=[item], action="reject", reason_code="spam",
                               reason="ссылки на чужой магазин")
    finally:
        events.content_moderated.disconnect(dispatch_uid="test-hear")
    pending_note.refresh_from_db()
    assert pending_note.status == Status.REJECTED
    assert heard[0]["action"] == "reject" and "ссылки на чужой магазин" in heard[0]["reason"]
    assert "ссылки на чужой магазин" in pending_note.moderation_reason


def test_a_bulk_decision_is_all_or_nothing(shopper, moderator):
    notes = [Note.objects.create(author=shopper, text=f"Заметка {i}", status=Status.PENDING) for i in range(3)]
    Note.objects.filter(pk=notes[2].pk).update(status=Status.REMOVED)  # changed meanwhile
    items = [item_of(n) for n in notes]
    with pytest.raises(services.ModerationError, match="Заметка 2"):
        decisions.queue_decide(moderator=moderator, items=items, action="approve")
    assert list(Note.objects.order_by("pk").values_list("status", flat=True)) == ["pending", "pending", "removed"]
    assert not Decision.objects.exists()
    assert not ModelLogEntry.objects.filter(action="community.moderation.approve").exists()


def test_a_bulk_decision_logs_every_item(shopper, moderator):
    notes = [Note.objects.create(author=shopper, text=f"Заметка {i}", status=Status.PENDING) for i in range(3)]
    decisions.queue_decide(moderator=moderator, items=[item_of(n) for n in notes], action="approve")
    assert ModelLogEntry.objects.filter(action="community.moderation.approve").count() == 3
    assert QueueItem.objects.open().count() == 0


def test_reject_and_mute_mutes_the_author_for_n_days(pending_note, moderator, shopper):
    decisions.queue_decide(moderator=moderator, items=[item_of(pending_note)], action="reject",
                           reason_code="spam", mute_days=3)
    sanction = Sanction.objects.get(user=shopper)
    assert sanction.kind == "mute"
    assert timezone.timedelta(days=2, hours=23) < sanction.until - timezone.now() <= timezone.timedelta(days=3)
    assert sanctions.posting_refusal(shopper)
    assert ModelLogEntry.objects.filter(action="community.moderation.mute", object_id=str(shopper.pk)).exists()


def test_removing_everything_by_a_spammer_takes_every_kind_in_one_action(shopper, other_shopper, moderator):
    mine = [Note.objects.create(author=shopper, text=f"Спам {i}", status=Status.PUBLISHED) for i in range(4)]
    theirs = Note.objects.create(author=other_shopper, text="Честная", status=Status.PUBLISHED)
    assert decisions.user_content_remove_all(moderator=moderator, user=shopper, reason="спам-волна") == 4
    assert set(Note.objects.filter(pk__in=[n.pk for n in mine]).values_list("status", flat=True)) == {"removed"}
    theirs.refresh_from_db()
    assert theirs.status == Status.PUBLISHED


def test_an_upheld_spam_report_is_a_strike(flagged_note, moderator, shopper):
    services.moderate(moderator=moderator, content=flagged_note, action="remove", reason="спам")
    assert Decision.objects.get(action="remove").strike is True
    assert Decision.objects.filter(author=shopper, strike=True).count() == 1


def test_a_claimed_item_is_not_decided_by_another_moderator(pending_note, moderator):
    other = trusted("laertes")
    other.groups.set(moderator.groups.all())
    item = queue.queue_claim(moderator=moderator, item=item_of(pending_note))
    assert item.claimed_by == moderator
    with pytest.raises(services.ModerationError):
        queue.queue_claim(moderator=other, item=item)
    with pytest.raises(services.ModerationError):
        decisions.queue_decide(moderator=other, items=[item_of(pending_note)], action="approve")
    pending_note.refresh_from_db()
    assert pending_note.status == Status.PENDING
    queue.queue_claim(moderator=moderator, item=item, release=True)
    assert queue.queue_claim(moderator=other, item=item).claimed_by == other


def test_a_stale_claim_lapses(pending_note, moderator):
    other = trusted("laertes")
    other.groups.set(moderator.groups.all())
    item = queue.queue_claim(moderator=moderator, item=item_of(pending_note))
    QueueItem.objects.filter(pk=item.pk).update(claimed_at=timezone.now() - queue.CLAIM_TTL * 2)
    assert queue.queue_claim(moderator=other, item=item_of(pending_note)).claimed_by == other


def test_the_rebuild_agrees_with_the_incremental_queue(pending_note, flagged_note):
    assert queue.queue_rebuild(check=True) == []
    QueueItem.objects.all().delete()
    assert len(queue.queue_rebuild(check=True)) == 2
    assert len(queue.queue_rebuild()) == 2
    assert queue.queue_rebuild(check=True) == []


# --- the admin pages -------------------------------------------------------------------------


def test_the_queue_page_lists_items_with_author_flags_and_filters(client, moderator, pending_note, flagged_note):
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert "Жду одобрения" in page and "Купите у нас дёшево" in page and "реклама" in page
    only_flagged = client.get(QUEUE, {"reason": "flagged"}).content.decode()
    assert "Купите у нас дёшево" in only_flagged and "Жду одобрения" not in only_flagged
    by_author = client.get(QUEUE, {"author": "nobody-like-this"}).content.decode()
    assert "Жду одобрения" not in by_author


def test_a_moderator_decides_in_bulk_from_the_page(client, moderator, shopper):
    notes = [Note.objects.create(author=shopper, text=f"Заметка {i}", status=Status.PENDING) for i in range(3)]
    client.force_login(moderator)
    response = client.post("/admin/moderation/decide/", {
        "items": [item_of(n).pk for n in notes[:2]], "action": "reject", "reason_code": "off_topic", "reason": ""})
    assert response.status_code == 302
    assert list(Note.objects.order_by("pk").values_list("status", flat=True)) == ["rejected", "rejected", "pending"]


def test_a_bad_decision_from_the_page_changes_nothing_and_says_why(client, moderator, pending_note):
    client.force_login(moderator)
    response = client.post("/admin/moderation/decide/", {"items": [item_of(pending_note).pk], "action": "hide"},
                           follow=True)
    assert response.status_code == 200
    assert "Nothing was changed" in response.content.decode() or "Ничего не изменено" in response.content.decode()
    pending_note.refresh_from_db()
    assert pending_note.status == Status.PENDING


def test_the_queue_page_costs_the_same_queries_with_1000_items(client, moderator, shopper,
                                                               django_assert_max_num_queries):
    ct = ContentType.objects.get_for_model(Note)
    authors = [UserFactory(username=f"author{i}") for i in range(5)]
    notes = Note.objects.bulk_create(
        [Note(author=authors[i % 5], text=f"Заметка {i}", status=Status.PENDING) for i in range(1000)])
    now = timezone.now()
    QueueItem.objects.bulk_create([
        QueueItem(content_type=ct, object_id=n.pk, kind="note", author=n.author, excerpt=n.text,
                  content_status="pending", content_created=now, reasons=[{"code": "pending", "text": "x"}],
                  reason_codes="pending,flagged", flag_count=1)
        for n in notes])
    reporter = UserFactory(username="reporter")
    Flag.objects.bulk_create([Flag(content_type=ct, object_id=n.pk, reporter=reporter, reason="spam") for n in notes])
    client.force_login(moderator)
    client.get(QUEUE)  # warm caches (content types, site)
    with django_assert_max_num_queries(20):
        page = client.get(QUEUE, {"order": "priority"})
    assert page.status_code == 200 and page.content.decode().count('name="items"') == 50


def test_the_dashboard_shows_the_counts_per_kind(client, moderator, pending_note):
    client.force_login(moderator)
    page = client.get("/admin/").content.decode()
    assert 'class="w-panel moderation-panel"' in page and "Note: 1" in page


def test_shoppers_and_support_staff_cannot_open_the_queue(client, shopper, staff, pending_note):
    for user in (shopper, staff):
        client.force_login(user)
        assert client.get(QUEUE).status_code in (302, 403)
        response = client.post("/admin/moderation/decide/", {"items": [item_of(pending_note).pk], "action": "approve"})
        assert response.status_code in (302, 403)
    pending_note.refresh_from_db()
    assert pending_note.status == Status.PENDING


def test_the_author_sees_the_decision_and_its_reason_in_their_account(client, pending_note, moderator, shopper):
    services.moderate(moderator=moderator, content=pending_note, action="reject", reason="Не по теме")
    client.force_login(shopper)
    page = client.get("/cabinet/").content.decode()
    assert "Не по теме" in page
