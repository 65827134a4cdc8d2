"""«Решение модерации»: the author is told of every decision on their content, their sanctions
and their appeals — with the reason and a link to their account, once, never as the actor."""

import pytest
from django.utils import translation

from community.moderation import appeals, sanctions, services
from community.moderation.models import Decision, Status
from community.notifications import receivers
from community.notifications.kinds import get_kind
from community.notifications.models import EmailStatus, Notification
from tests.testapp.models import Note

KIND = "moderation.decision"


def told(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=KIND).order_by("pk"))


def text(notification) -> str:
    with translation.override("ru"):
        return str(get_kind(notification.kind).render(notification.params))


@pytest.fixture
def note(shopper):
    return Note.objects.create(author=shopper, text="Мой отзыв о ноутбуке", status=Status.PUBLISHED)


@pytest.fixture
def pending(shopper):
    return Note.objects.create(author=shopper, text="Ждёт модератора", status=Status.PENDING)


@pytest.mark.parametrize(("action", "wording"), [("hide", "скрыт"), ("remove", "удалён")])
def test_hidden_or_removed_content_tells_its_author_with_the_reason(shopper, moderator, note, action, wording):
    services.moderate(moderator=moderator, content=note, action=action, reason="Реклама <b>магазина</b>")
    [notification] = told(shopper)
    assert notification.url == "/cabinet/#moderation" and notification.actor == moderator
    assert notification.email_status == EmailStatus.PENDING  # «сразу» by default
    rendered = text(notification)
    assert wording in rendered and "Мой отзыв о ноутбуке" in rendered
    assert "Реклама &lt;b&gt;магазина&lt;/b&gt;" in rendered


def test_rejection_and_approval_after_premoderation(shopper, moderator, pending, other_shopper):
    services.moderate(moderator=moderator, content=pending, action="reject", reason_code="off_topic")
    other = Note.objects.create(author=other_shopper, text="Второй", status=Status.PENDING)
    services.moderate(moderator=moderator, content=other, action="approve")
    [rejected] = told(shopper)
    assert "отклонён" in text(rejected) and "Не по теме" in text(rejected)
    [approved] = told(other_shopper)
    assert approved.params["decision"] == "approved" and "опубликован" in text(approved)


def test_restored_content_tells_its_author_and_automatic_hiding_too(shopper, moderator, note):
    services.moderate(moderator=moderator, content=note, action="hide", reason="Проверяем")
    services.moderate(moderator=moderator, content=note, action="restore")
    assert [n.params["decision"] for n in told(shopper)] == ["hidden", "restored"]
    assert "восстановлен" in text(told(shopper)[1])


def test_the_author_hidden_by_reports_is_told_without_an_actor(shopper, staff, note, settings):
    settings.MODERATION_AUTO_HIDE_FLAGS = 1
    services.flag(reporter=staff, content=note, reason="spam")  # staff count toward automatic hiding
    note.refresh_from_db()
    assert note.status == Status.HIDDEN
    [notification] = told(shopper)
    assert notification.actor is None and notification.params["decision"] == "hidden"


def test_never_to_a_moderator_acting_on_their_own_content(moderator):
    own = Note.objects.create(author=moderator, text="Моя заметка", status=Status.PUBLISHED)
    services.moderate(moderator=moderator, content=own, action="remove", reason="Убираю сам")
    assert told(moderator) == []


def test_never_twice_for_the_same_decision(shopper, moderator, note):
    services.moderate(moderator=moderator, content=note, action="remove", reason="Спам")
    note.refresh_from_db()
    # The same event heard again (a retried receiver) is a no-op: the cause is the idempotency key.
    receivers._dispatch("content_moderated", Note, content=note, action="remove", moderator=moderator,
                        previous_status=Status.PUBLISHED, reason="Спам")
    assert len(told(shopper)) == 1


def test_mute_and_its_lifting_are_told_with_the_reason_and_the_end_date(shopper, moderator):
    sanction = sanctions.user_mute(moderator=moderator, user=shopper, days=7, reason="Флуд в чате")
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Ошибка модератора")
    muted, lifted = told(shopper)
    assert muted.params["decision"] == "muted" and "Флуд в чате" in text(muted)
    assert str(sanction.until.year) in text(muted) and muted.url == "/cabinet/#moderation"
    assert lifted.params["decision"] == "lifted" and "Ошибка модератора" in text(lifted)


def test_a_ban_reaches_the_inactive_account_and_its_lifting_is_told(shopper, moderator):
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Мошенничество")
    # The banned account is inactive, yet this kind reaches it: the user learns why.
    [banned] = told(shopper)
    assert "Мошенничество" in text(banned)
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Разобрались")
    banned, lifted = told(shopper)
    assert "Разобрались" in text(lifted)


def test_the_ban_text(shopper):
    rendered = text(Notification(kind=KIND, params={"decision": "banned", "reason": "Мошенничество",
                                                    "appeal": "appeals@example.ru"}))
    assert "заблокирован" in rendered and "Мошенничество" in rendered


@pytest.mark.parametrize("grant", [True, False])
def test_an_appeal_decided_is_told_once_with_the_answer(shopper, moderator, pending, grant):
    services.moderate(moderator=moderator, content=pending, action="reject", reason="Не по теме")
    appeal = appeals.appeal_create(author=shopper, decision=Decision.objects.get(action="reject"),
                                   text="Это отзыв именно о товаре")
    appeals.appeal_decide(moderator=moderator, appeal=appeal, grant=grant, answer="Ответ модератора")
    decisions = [n.params["decision"] for n in told(shopper)]
    # A granted appeal restores the content: one notification (the answer), not «восстановлен» too.
    assert decisions == ["rejected", "appeal_granted" if grant else "appeal_denied"]
    answer = text(told(shopper)[-1])
    assert "Ответ модератора" in answer and "Ждёт модератора" in answer
    assert ("удовлетворена" if grant else "отклонена") in answer


def test_the_kind_is_on_the_settings_page_with_immediate_email(client, shopper):
    client.force_login(shopper)
    page = client.get("/notifications/settings/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Решение модерации" in page
    assert get_kind(KIND).default_frequency == "immediate"


def test_the_decision_is_emailed_at_once_in_russian_with_the_account_link(shopper, moderator, note, mailoutbox):
    from tests.conftest import run_queued_tasks

    services.moderate(moderator=moderator, content=note, action="remove", reason="Реклама")
    assert mailoutbox == []  # sent by the worker, not in the moderator's request
    run_queued_tasks()  # the email and the other apps' tasks (search index…)
    [mail] = mailoutbox
    assert mail.to == [shopper.email]
    assert "Ваш материал «Мой отзыв о ноутбуке» удалён модератором: Реклама" in mail.body
    assert "/cabinet/#moderation" in mail.alternatives[0][0]
