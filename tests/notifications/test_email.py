"""Email: sent by tasks, HTML + text in the reader's language, only to confirmed addresses, with a
signed one-click unsubscribe (RFC 8058 headers); digests are idempotent; failures are retried."""

from __future__ import annotations

import smtplib

import pytest
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from community.notifications import emails, services
from community.notifications.kinds import Announcement
from community.notifications.models import EmailStatus, MailSettings, Notification, NotificationPreference
from tests.conftest import run_queued_tasks


def tell(user, kind: str = "qa.answer", cause: str = "1"):
    services.announce([Announcement(kind=kind, cause=cause, url="/q/1/#answer-1", recipient_ids=[user.pk],
                                    params={"actor": "Оля", "question": "Есть ли зарядка?", "product": "Ноутбук"})])


def test_an_immediate_email_is_sent_by_the_worker_not_the_request(shopper, mailoutbox):
    tell(shopper)
    assert mailoutbox == []  # nothing in the cause's request: a task was enqueued
    assert run_queued_tasks() == 1
    [mail] = mailoutbox
    assert mail.to == [shopper.email]
    assert "Оля ответил(а) на ваш вопрос «Есть ли зарядка?»" in mail.body
    html, mime = mail.alternatives[0]
    assert mime == "text/html" and 'href="http://' in html and "/q/1/#answer-1" in html
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.extra_headers["List-Unsubscribe"].startswith("<http") and "/notifications/unsubscribe/" in \
        mail.extra_headers["List-Unsubscribe"]
    assert Notification.objects.get().email_status == EmailStatus.SENT
    run_queued_tasks()
    assert len(mailoutbox) == 1  # the record says it was sent: never twice


def test_the_email_is_in_the_readers_language(shopper, mailoutbox):
    MailSettings.objects.create(user=shopper, language="en")
    tell(shopper)
    run_queued_tasks()
    assert "Оля answered your question “Есть ли зарядка?”" in mailoutbox[0].body


def test_nothing_is_sent_to_an_unconfirmed_address(newcomer, mailoutbox):
    tell(newcomer)
    run_queued_tasks()
    assert mailoutbox == []
    note = Notification.objects.get()
    assert note.email_status == EmailStatus.SKIPPED and note.email_error == "no confirmed address"


def test_an_smtp_failure_is_recorded_and_retried_later(shopper, settings, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    tell(shopper)
    run_queued_tasks()
    note = Notification.objects.get()
    assert note.email_status == EmailStatus.PENDING and "connection lost" in note.email_error
    retry = DBTaskResult.objects.filter(task_path__endswith="send_immediate_emails", status="READY").get()
    assert retry.args_kwargs["kwargs"] == {"attempt": 2} and retry.run_after is not None


def test_the_last_failed_attempt_marks_the_email_failed(shopper, monkeypatch):
    from community.notifications.tasks import send_immediate_emails

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send",
                        lambda self, *a, **k: (_ for _ in ()).throw(smtplib.SMTPException("550")))
    tell(shopper)
    note = Notification.objects.get()
    DBTaskResult.objects.all().delete()
    send_immediate_emails.enqueue([note.pk], attempt=5)
    run_queued_tasks()
    note.refresh_from_db()
    assert note.email_status == EmailStatus.FAILED


def test_unsubscribe_needs_a_post_and_stops_one_kind(client, shopper, other_shopper):
    token = emails.unsubscribe_token(user_id=shopper.pk, scope="qa.answer")
    page = client.get(f"/notifications/unsubscribe/{token}/")
    assert page.status_code == 200 and "Больше не присылать письма о «Ответ на мой вопрос»?" in page.content.decode()
    assert not NotificationPreference.objects.exists()  # a link scanner's GET changes nothing
    # RFC 8058: the mail client's POST, without a session or CSRF token.
    one_click = Client(enforce_csrf_checks=True).post(f"/notifications/unsubscribe/{token}/",
                                                      {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert list(NotificationPreference.objects.values_list("user__username", "kind", "frequency")) == [
        ("hamlet", "qa.answer", "never")]
    # Twice: still one row, same answer.
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 200
    assert NotificationPreference.objects.count() == 1


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxLCJrIjoicWEuYW5zd2VyIn0:forged:signature"])
def test_a_forged_unsubscribe_token_gets_a_clear_message(client, shopper, token):
    for response in (client.get(f"/notifications/unsubscribe/{token}/"),
                     client.post(f"/notifications/unsubscribe/{token}/")):
        assert response.status_code == 400
        assert "Ссылка для отписки недействительна" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_an_expired_unsubscribe_token_gets_a_clear_message(client, shopper, monkeypatch):
    token = emails.unsubscribe_token(user_id=shopper.pk, scope="qa.answer")
    monkeypatch.setattr(emails, "UNSUBSCRIBE_MAX_AGE", -1)
    response = client.post(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400 and "Срок действия ссылки для отписки истёк" in response.content.decode()


def test_a_token_is_scoped_to_one_user_and_one_kind(shopper):
    token = emails.unsubscribe_token(user_id=shopper.pk, scope="qa.answer")
    payload = signing.loads(token, salt=emails.UNSUBSCRIBE_SALT)
    assert payload == {"u": shopper.pk, "k": "qa.answer"}
    with pytest.raises(emails.TokenError):
        emails.read_unsubscribe_token(signing.dumps({"u": shopper.pk, "k": "qa.answer"}, salt="another purpose"))
    with pytest.raises(emails.TokenError):  # an unknown kind
        emails.unsubscribe(token=emails.unsubscribe_token(user_id=shopper.pk, scope="no.such.kind"))


def test_daily_digests_group_items_and_a_second_run_sends_nothing(shopper, other_shopper, mailoutbox):
    for n in range(3):
        tell(shopper, kind="qa.new_question", cause=str(n))
    tell(other_shopper, kind="qa.new_question", cause="9")
    NotificationPreference.objects.create(user=other_shopper, kind="qa.new_question", frequency="weekly")
    run_queued_tasks()
    assert mailoutbox == []  # daily by default: waits for the digest
    call_command("send_digests", "--period", "daily", stdout=open("/dev/null", "w"))  # noqa: SIM115
    [mail] = mailoutbox
    assert mail.to == [shopper.email] and mail.body.count("Новый вопрос о товаре «Ноутбук»") == 3
    assert "/notifications/unsubscribe/" in mail.extra_headers["List-Unsubscribe"]
    call_command("send_digests", "--period", "daily", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mailoutbox) == 1
    call_command("send_digests", "--period", "weekly", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [m.to for m in mailoutbox] == [[shopper.email], [other_shopper.email]]


def test_unsubscribing_from_a_digest_stops_its_kinds(client, shopper, mailoutbox):
    tell(shopper, kind="qa.new_question")
    token = emails.unsubscribe_token(user_id=shopper.pk, scope="digest:daily")
    client.post(f"/notifications/unsubscribe/{token}/")
    assert NotificationPreference.objects.get(user=shopper, kind="qa.new_question").frequency == "never"
    call_command("send_digests", "--period", "daily", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mailoutbox == []


def test_digests_skip_unconfirmed_addresses(newcomer, mailoutbox):
    tell(newcomer, kind="qa.new_question")
    call_command("send_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mailoutbox == []
    assert Notification.objects.get().email_status == EmailStatus.SKIPPED




def test_a_pending_email_whose_job_never_ran_is_sent_by_the_sweep_once(shopper, other_shopper, mailoutbox):
    from datetime import timedelta

    from django.utils import timezone

    from community.notifications.models import Notification

    tell(shopper)
    tell(other_shopper, cause="2")
    # The first one's job was lost (a process killed between the commit and the push to Redis).
    Notification.objects.filter(recipient=shopper).update(created=timezone.now() - timedelta(minutes=30))
    call_command("send_pending_emails", "--no-progress")
    assert [mail.to for mail in mailoutbox] == [[shopper.email]]  # the fresh one waits for its own task
    call_command("send_pending_emails", "--no-progress")
    assert len(mailoutbox) == 1
    assert run_queued_tasks() >= 1
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([shopper.email, other_shopper.email])
