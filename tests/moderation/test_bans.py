"""A ban hides everything the user wrote, restorably: lifting it puts back exactly what the ban hid
(as it was), never what was hidden for another reason; aggregates stay exact and rebuildable; the
banned user is told why (in the account, by email) and sees it when they try to sign in."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import translation
from wagtail.models import ModelLogEntry

from chat import services as chat_services
from chat.models import Message
from community.moderation import decisions, sanctions, services
from community.moderation.models import BanHold, QueueItem, Status
from community.notifications import services as notification_services
from community.notifications.kinds import Announcement
from community.notifications.models import EmailStatus, Notification, NotificationPreference
from community.qa import aggregates as qa_aggregates
from community.qa import services as qa_services
from reviews.aggregates import review_aggregates_rebuild
from reviews.models import Review, ReviewPhoto
from tests.conftest import run_queued_tasks
from tests.factories import UserFactory
from tests.reviews.factories import image_upload, published_review, stats_of


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def contributions(page_tree, shopper, settings):
    """The shopper's content of every kind: published, one pending answer, one review a moderator
    hid earlier for another reason."""
    settings.MODERATION_PREMODERATE_FIRST = 0
    first, second = page_tree["products"][0], page_tree["products"][1]
    other = UserFactory(username="yorick", verified=True)
    review = published_review(first, author=shopper, rating=5, photos=[image_upload()])
    hidden_before = published_review(second, author=shopper, rating=1)
    question = qa_services.question_ask(author=other, product=first, title="Есть ли подсветка клавиатуры?")
    answer = qa_services.answer_post(author=shopper, question=question, text="Да, белая, в три уровня.")
    own_question = qa_services.question_ask(author=shopper, product=second, title="Держит ли батарея день?")
    message = chat_services.message_post(author=shopper, room=chat_services.product_room_for(first),
                                         body="Брал в прошлом году, доволен")
    settings.MODERATION_PREMODERATE_FIRST = 100  # the shopper's next contribution waits
    pending = qa_services.answer_post(author=shopper, question=own_question, text="Сам отвечу: держит.")
    assert pending.status == Status.PENDING
    return {"review": review, "photo": review.photos.get(), "hidden_before": hidden_before, "question": question,
            "answer": answer, "own_question": own_question, "message": message, "pending": fresh(pending),
            "products": (first, second)}


def assert_aggregates_rebuild_cleanly():
    """Every stored aggregate equals its rebuild (the commands' ``--check`` / ``--dry-run``)."""
    reviews = review_aggregates_rebuild(fix=False)
    assert (reviews.products_fixed, reviews.reviews_fixed) == (0, 0)
    qa = qa_aggregates.rebuild(dry_run=True)
    assert (qa.questions_fixed, qa.answers_fixed) == (0, 0)
    call_command("sync_moderation_queue", "--check")
    call_command("rebuild_reputation", "--check", "--no-progress")


def test_a_ban_hides_every_kind_of_the_users_content_and_unban_restores_exactly_that(
        contributions, shopper, moderator):
    c = contributions
    first, second = c["products"]
    services.moderate(moderator=moderator, content=c["hidden_before"], action="hide", reason="Оскорбления")
    stats_before = stats_of(first)
    assert stats_before[0] == 1 and fresh(c["question"]).answer_count == 1

    sanctions.user_ban(moderator=moderator, user=shopper, reason="Спам-рассылка")

    for key in ("review", "photo", "answer", "own_question", "message", "pending"):
        assert fresh(c[key]).status == Status.HIDDEN, key
    assert not Review.objects.published().filter(author=shopper).exists()
    assert not ReviewPhoto.objects.published().filter(review__author=shopper).exists()
    assert not Message.objects.published().filter(author=shopper).exists()
    assert stats_of(first)[0] == 0 and fresh(c["question"]).answer_count == 0
    assert BanHold.objects.count() == 6
    assert ModelLogEntry.objects.filter(action="community.moderation.ban_hide").count() == 6
    assert_aggregates_rebuild_cleanly()

    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Разобрались")

    for key in ("review", "photo", "answer", "own_question", "message"):
        assert fresh(c[key]).status == Status.PUBLISHED, key
    assert fresh(c["pending"]).status == Status.PENDING  # back to where it was, not published
    hidden_before = fresh(c["hidden_before"])
    assert hidden_before.status == Status.HIDDEN and hidden_before.moderation_reason == "Оскорбления"
    assert fresh(c["review"]).moderation_reason == ""  # its moderation stamp is as before the ban
    assert stats_of(first) == stats_before and fresh(c["question"]).answer_count == 1
    assert ModelLogEntry.objects.filter(action="community.moderation.ban_restore").count() == 6
    assert_aggregates_rebuild_cleanly()


def test_the_visitor_no_longer_sees_the_banned_users_review(client, contributions, shopper, moderator):
    first = contributions["products"][0]
    title = contributions["review"].text[:40]
    assert title in client.get(first.url).content.decode()
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Спам-рассылка")
    assert title not in client.get(first.url).content.decode()
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Разобрались")
    assert title in client.get(first.url).content.decode()


def test_the_users_moderation_page_says_what_the_ban_hid_and_restored(client, contributions, shopper, moderator):
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Спам-рассылка")
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Разобрались")
    client.force_login(moderator)
    client.cookies["lang"] = "ru"
    page = client.get(f"/admin/moderation/users/{shopper.pk}/").content.decode()
    assert "7 материалов скрыто блокировкой, восстановлено: 7" in page


def test_content_decided_on_during_the_ban_is_not_brought_back(contributions, shopper, moderator):
    c = contributions
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Спам-рассылка")
    services.moderate(moderator=moderator, content=fresh(c["answer"]), action="remove", reason="Реклама")
    services.moderate(moderator=moderator, content=fresh(c["message"]), action="approve")
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Разобрались")
    assert fresh(c["answer"]).status == Status.REMOVED
    assert fresh(c["message"]).status == Status.PUBLISHED
    assert fresh(c["review"]).status == Status.PUBLISHED
    assert_aggregates_rebuild_cleanly()


def test_remove_everything_after_a_ban_stays_removed_after_unban(contributions, shopper, moderator):
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Спам-рассылка")
    assert decisions.user_content_remove_all(moderator=moderator, user=shopper, reason="Спам") == 7
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Разобрались")
    assert not Review.objects.filter(author=shopper).exclude(status=Status.REMOVED).exists()
    assert_aggregates_rebuild_cleanly()


def test_reports_on_content_the_ban_hid_stay_open_and_give_no_strike(contributions, shopper, moderator, other_shopper):
    review = contributions["review"]
    services.flag(reporter=other_shopper, content=review, reason="spam")
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Спам-рассылка")
    item = QueueItem.objects.get(content_type=ContentType.objects.get_for_model(Review), object_id=review.pk)
    assert item.is_open and item.flag_count == 1  # a moderator still judges the report
    assert not shopper.moderation_decisions.filter(strike=True).exists()
    assert_aggregates_rebuild_cleanly()


def test_the_author_is_not_told_piece_by_piece(contributions, shopper, moderator):
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Спам-рассылка")
    sanctions.user_unsanction(moderator=moderator, user=shopper, reason="Разобрались")
    decisions_told = [n.params["decision"] for n in Notification.objects.filter(recipient=shopper)
                      .filter(kind="moderation.decision").order_by("pk")]
    assert decisions_told == ["banned", "lifted"]


# --- the ban notice ----------------------------------------------------------------------------


def test_the_banned_user_is_told_the_reason_and_how_to_appeal_in_the_account_and_by_email(
        shopper, moderator, mailoutbox, settings):
    settings.MODERATION_APPEALS_EMAIL = "appeals@shop.example"
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Мошенничество")
    [notice] = Notification.objects.filter(recipient=shopper, kind="moderation.decision")
    with translation.override("ru"):
        from community.notifications.kinds import get_kind

        rendered = str(get_kind(notice.kind).render(notice.params))
    assert "Мошенничество" in rendered and "appeals@shop.example" in rendered
    assert notice.email_status == EmailStatus.PENDING
    run_queued_tasks()
    [mail] = mailoutbox
    assert mail.to == [shopper.email] and "Мошенничество" in mail.body and "appeals@shop.example" in mail.body


def test_a_ban_notice_chosen_for_the_digest_is_emailed_at_once_and_never_is_respected(shopper, moderator, other_shopper):
    NotificationPreference.objects.create(user=shopper, kind="moderation.decision", frequency="daily")
    NotificationPreference.objects.create(user=other_shopper, kind="moderation.decision", frequency="never")
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Мошенничество")
    sanctions.user_ban(moderator=moderator, user=other_shopper, reason="Мошенничество")
    assert Notification.objects.get(recipient=shopper).email_status == EmailStatus.PENDING
    assert Notification.objects.get(recipient=other_shopper).email_status == EmailStatus.SKIPPED


def test_other_kinds_still_skip_inactive_accounts(shopper, other_shopper, moderator):
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Мошенничество")
    notification_services.announce([Announcement(kind="qa.answer", cause="test", url="/",
                                                  recipient_ids=[shopper.pk, other_shopper.pk])])
    assert list(Notification.objects.filter(kind="qa.answer").values_list("recipient", flat=True)) == [other_shopper.pk]


def test_signing_in_shows_the_ban_reason_and_how_to_appeal(client, shopper, moderator, settings):
    settings.MODERATION_APPEALS_EMAIL = "appeals@shop.example"
    shopper.set_password("secret-pass-123")
    shopper.save()
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Мошенничество <b>x</b>")
    client.cookies["lang"] = "ru"
    response = client.post("/accounts/login/", {"login": "hamlet", "password": "secret-pass-123"})
    page = response.content.decode()
    assert response.status_code == 403 and not response.wsgi_request.user.is_authenticated
    assert "Мошенничество &lt;b&gt;x&lt;/b&gt;" in page and "appeals@shop.example" in page
    assert "без срока" in page


def test_a_wrong_password_does_not_reveal_the_ban(client, shopper, moderator):
    shopper.set_password("secret-pass-123")
    shopper.save()
    sanctions.user_ban(moderator=moderator, user=shopper, reason="Мошенничество")
    response = client.post("/accounts/login/", {"login": "hamlet", "password": "wrong-pass-456"})
    assert response.status_code == 200 and "Мошенничество" not in response.content.decode()


def test_the_ban_end_date_is_shown_when_there_is_one(client, shopper, moderator):
    from datetime import timedelta

    from django.utils import timezone

    shopper.set_password("secret-pass-123")
    shopper.save()
    ban = sanctions.user_ban(moderator=moderator, user=shopper, reason="Мошенничество")
    ban.until = timezone.now() + timedelta(days=30)
    ban.save(update_fields=["until"])
    response = client.post("/accounts/login/", {"login": "hamlet", "password": "secret-pass-123"})
    assert str(timezone.localtime(ban.until).year) in response.content.decode()
