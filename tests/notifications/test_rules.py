"""The rules of notifications: created in the cause's transaction, delivered after commit, never
to the actor, never twice, never about content the recipient cannot see, blocks respected."""

from __future__ import annotations

import pytest
from django.db import transaction

from chat.models import Block
from community import events
from community.moderation.models import Status
from community.moderation.services import moderate
from community.notifications import services
from community.notifications.kinds import Announcement
from community.notifications.models import EmailStatus, Notification, NotificationPreference
from community.qa import services as qa_services
from community.qa.models import VoteValue
from tests.factories import PurchaseFactory, UserFactory
from tests.qa import factories as qa
from tests.reviews import factories as reviews


def notes(user, kind: str | None = None):
    rows = Notification.objects.filter(recipient=user)
    return list(rows.filter(kind=kind) if kind else rows)


def test_an_answer_tells_the_asker_once_and_never_the_answerer(shopper, other_shopper, question):
    answer = qa.answer(other_shopper, question)
    [note] = notes(shopper, "qa.answer")
    assert note.actor == other_shopper and note.url == answer.get_url() and note.url.endswith(f"#answer-{answer.pk}")
    assert notes(other_shopper) == []
    # The same cause again (a second publication attempt) adds nothing: the idempotency key.
    events.answer_posted.send(sender=type(answer), answer=answer)
    assert len(notes(shopper, "qa.answer")) == 1


def test_a_notification_is_rolled_back_with_its_cause(shopper, other_shopper, question):
    with pytest.raises(RuntimeError), transaction.atomic():
        qa.answer(other_shopper, question)
        assert len(notes(shopper, "qa.answer")) == 1  # written in the cause's transaction
        raise RuntimeError
    assert notes(shopper) == []


def test_delivery_waits_for_the_commit(shopper, other_shopper, question, django_capture_on_commit_callbacks):
    seen = []

    def listener(sender, notification_ids, **kwargs):
        seen.append(notification_ids)

    events.notification_created.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            qa.answer(other_shopper, question)
        assert seen == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        events.notification_created.disconnect(listener)
    assert seen == [[notes(shopper, "qa.answer")[0].pk]]


def test_followers_hear_of_new_answers_but_the_asker_gets_their_own_kind(shopper, other_shopper, third_shopper,
                                                                          question):
    qa_services.question_follow(user=third_shopper, question=question, follow=True)
    qa.answer(other_shopper, question)
    assert [n.kind for n in notes(shopper)] == ["qa.answer"]
    assert [n.kind for n in notes(third_shopper)] == ["qa.followed_answer"]


def test_an_accepted_answer_tells_its_author(shopper, other_shopper, question):
    answer = qa.answer(other_shopper, question)
    qa_services.answer_accept(actor=shopper, answer=answer)
    [note] = notes(other_shopper, "qa.accepted")
    assert note.actor == shopper
    assert "принял" in str(services_render(note)) or "accepted" in str(services_render(note))


def services_render(note):
    from community.notifications.kinds import get_kind

    return get_kind(note.kind).render(note.params)


def test_helpful_votes_are_batched_into_one_unread_notification(product, shopper):
    review = reviews.published_review(product, author=shopper)
    voters = [UserFactory(username=f"voter{n}", verified=True) for n in range(5)]
    from reviews.services import review_vote

    for voter in voters:
        review_vote(voter=voter, review=review, helpful=True)
    [note] = notes(shopper, "reviews.helpful")
    assert note.params["count"] == 5
    from django.utils import translation

    with translation.override("ru"):
        assert str(services_render(note)).startswith("5 человек сочли ваш отзыв")
    # Once read, the next vote starts a new notification.
    services.notification_open(user=shopper, notification_id=note.pk)
    review_vote(voter=UserFactory(username="late", verified=True), review=review, helpful=True)
    assert sorted(n.params["count"] for n in notes(shopper, "reviews.helpful")) == [1, 5]


def test_a_withdrawn_and_repeated_vote_is_not_counted_twice(product, shopper, other_shopper):
    from reviews.services import review_vote

    review = reviews.published_review(product, author=shopper)
    review_vote(voter=other_shopper, review=review, helpful=True)
    review_vote(voter=other_shopper, review=review, helpful=None)
    review_vote(voter=other_shopper, review=review, helpful=True)
    [note] = notes(shopper, "reviews.helpful")
    assert note.params["count"] == 1


def test_answer_up_votes_are_batched_too(shopper, other_shopper, third_shopper, question):
    answer = qa.answer(other_shopper, question)
    qa_services.answer_vote(voter=shopper, answer=answer, value=VoteValue.UP)
    qa_services.answer_vote(voter=third_shopper, answer=answer, value=VoteValue.UP)
    [note] = notes(other_shopper, "qa.answer_voted")
    assert note.params["count"] == 2


def test_a_new_question_tells_the_buyers_not_the_asker(shopper, other_shopper, third_shopper, product):
    PurchaseFactory(user=other_shopper, product=product)
    PurchaseFactory(user=shopper, product=product)
    question = qa.ask(shopper, product)
    assert [n.url for n in notes(other_shopper, "qa.new_question")] == [question.get_url()]
    assert notes(shopper) == [] and notes(third_shopper) == []


def test_a_premoderated_question_is_announced_only_when_approved(settings, newcomer, other_shopper, product,
                                                                 moderator):
    settings.MODERATION_PREMODERATE_FIRST = 1
    PurchaseFactory(user=other_shopper, product=product)
    question = qa.ask(newcomer, product)
    assert question.status == Status.PENDING
    assert notes(other_shopper) == []
    moderate(moderator=moderator, content=question, action="approve")
    assert len(notes(other_shopper, "qa.new_question")) == 1


def test_a_hidden_answer_withdraws_its_notifications_and_restoring_brings_them_back(
        shopper, other_shopper, question, moderator):
    answer = qa.answer(other_shopper, question)
    assert services.unread_count(shopper.pk) == 1
    from django.test.utils import CaptureQueriesContext  # noqa: F401

    moderate(moderator=moderator, content=answer, action="hide", reason="спам")
    services.invalidate_unread([shopper.pk])
    assert services.unread_count(shopper.pk) == 0
    assert list(Notification.objects.visible().filter(recipient=shopper)) == []
    moderate(moderator=moderator, content=answer, action="restore")
    services.invalidate_unread([shopper.pk])
    assert services.unread_count(shopper.pk) == 1


def test_someone_who_blocked_the_actor_hears_nothing_of_them(shopper, other_shopper, question):
    Block.objects.create(blocker=shopper, blocked=other_shopper)
    qa.answer(other_shopper, question)
    assert notes(shopper) == []


def test_inactive_users_and_the_actor_are_never_recipients(shopper, other_shopper, third_shopper):
    third_shopper.is_active = False
    third_shopper.save()
    services.announce([Announcement(kind="qa.answer", cause="x", url="/", actor_id=shopper.pk,
                                    recipient_ids=[shopper.pk, other_shopper.pk, third_shopper.pk])])
    assert [n.recipient for n in Notification.objects.all()] == [other_shopper]


def test_a_staff_reply_in_a_ticket_tells_the_customer_but_their_own_message_does_not(shopper, staff):
    from chat.support import services as support

    ticket = support.ticket_open(customer=shopper, subject="Не пришёл заказ", body="Заказ A-1 не доставлен.")
    support.ticket_reply(author=shopper, ticket=ticket, body="Есть новости?")
    assert notes(shopper) == []
    message = support.ticket_reply(author=staff, ticket=ticket, body="Заказ в пути.")
    [note] = notes(shopper, "support.reply")
    assert note.url == f"{ticket.get_absolute_url()}#chat-message-{message.pk}"
    assert note.email_status == EmailStatus.PENDING  # transactional: emailed at once by default


def test_expert_status_earned_at_risk_and_lost_are_told(shopper, page_tree):
    from django.utils import timezone

    from experts.models import ExpertStatus

    laptops = page_tree["laptops"]
    events.expert_status_changed.send(sender=ExpertStatus, user=shopper, category=laptops, gained=True, reason="")
    events.expert_status_at_risk.send(sender=ExpertStatus, user=shopper, category=laptops,
                                      grace_until=timezone.now() + timezone.timedelta(days=14))
    events.expert_status_changed.send(sender=ExpertStatus, user=shopper, category=laptops, gained=False, reason="")
    assert sorted(n.kind for n in notes(shopper)) == ["experts.at_risk", "experts.earned", "experts.lost"]
    assert all(n.url == f"/experts/{laptops.slug}/" for n in notes(shopper))


def test_the_grace_period_starting_sends_expert_status_at_risk(shopper, page_tree):
    from django.utils import timezone

    from experts.models import ExpertStatus
    from experts.rules import Rules
    from experts.status import refresh

    laptops = page_tree["laptops"]
    ExpertStatus.objects.create(user=shopper, category=laptops, is_expert=True, since=timezone.now())
    seen = []
    events.expert_status_at_risk.connect(lambda sender, **kw: seen.append(kw), weak=False, dispatch_uid="t-risk")
    try:
        refresh(pairs=[(shopper.pk, laptops.pk)], rules=Rules(), now=timezone.now())
    finally:
        events.expert_status_at_risk.disconnect(dispatch_uid="t-risk")
    assert [(e["user"], e["category"]) for e in seen] == [(shopper, laptops)]
    assert [n.kind for n in notes(shopper)] == ["experts.at_risk"]


def test_preferences_decide_the_email_status(shopper, other_shopper, question):
    NotificationPreference.objects.create(user=shopper, kind="qa.answer", frequency="never")
    qa.answer(other_shopper, question)
    [note] = notes(shopper)
    assert note.email_status == EmailStatus.SKIPPED


def test_a_large_audience_is_fanned_out_by_the_task_queue(shopper, product, settings):
    from django_tasks_db.models import DBTaskResult

    from tests.conftest import run_queued_tasks

    users = qa.bulk_users(services.INLINE_LIMIT + 50, prefix="fan")
    services.announce([Announcement(kind="qa.new_question", cause="question:1", url="/q/", actor_id=shopper.pk,
                                    recipient_ids=[u.pk for u in users])])
    assert Notification.objects.count() == 0
    assert DBTaskResult.objects.filter(task_path__endswith="fan_out").count() == 1
    run_queued_tasks()
    assert Notification.objects.filter(kind="qa.new_question").count() == len(users)
    # Run again (a retry): nothing twice.
    services.announce([Announcement(kind="qa.new_question", cause="question:1", url="/q/", actor_id=shopper.pk,
                                    recipient_ids=[u.pk for u in users])])
    run_queued_tasks()
    assert Notification.objects.filter(kind="qa.new_question").count() == len(users)


def test_every_kind_listens_only_to_events_the_app_hears():
    from community.notifications.kinds import all_kinds
    from community.notifications.receivers import HEARD

    assert {event for kind in all_kinds() for event in kind.listens} <= set(HEARD)
    assert len({kind.key for kind in all_kinds()}) >= 12
