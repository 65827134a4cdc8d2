"""The bell, the notifications page and the email settings page."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.utils import timezone

from community.notifications import services
from community.notifications.kinds import Announcement
from community.notifications.models import Notification, NotificationPreference
from community.notifications.wagtail_hooks import notifications_bell
from tests.html_checks import assert_healthy_page


def tell(user, n: int = 1, *, kind: str = "qa.answer", days_ago: int = 0):
    for i in range(n):
        services.announce([Announcement(kind=kind, cause=f"test:{days_ago}:{i}:{timezone.now().timestamp()}",
                                        url=f"/somewhere/{i}/#answer-{i}", recipient_ids=[user.pk],
                                        params={"actor": "<b>Оля</b>", "question": "Есть ли зарядка?"})])
    if days_ago:
        Notification.objects.filter(recipient=user, key__startswith=f"{kind}:test:{days_ago}:").update(
            created=timezone.now() - timezone.timedelta(days=days_ago))
    services.invalidate_unread([user.pk])


def test_the_bell_shows_the_unread_count_and_costs_at_most_one_query(client, shopper, page_tree,
                                                                    django_assert_num_queries):
    tell(shopper, 3)
    request = RequestFactory().get("/")
    request.user = shopper
    with django_assert_num_queries(1):
        assert notifications_bell(request).context["unread"] == 3
    with django_assert_num_queries(0):  # cached until something changes it
        assert notifications_bell(request).context["unread"] == 3
    client.force_login(shopper)
    html = client.get("/").content.decode()
    assert re.search(r'data-notifications-unread>\s*<span data-notifications-unread-count>3</span>', html)


def test_the_bell_is_absent_for_visitors(client, page_tree):
    assert "data-notifications-bell" not in client.get("/").content.decode()


def test_the_page_groups_by_day_escapes_and_links_to_the_exact_place(client, shopper):
    tell(shopper, 2)
    tell(shopper, 1, days_ago=3)
    client.force_login(shopper)
    response = client.get("/notifications/")
    html = response.content.decode()
    assert html.count('class="notifications-date"') == 2
    assert "&lt;b&gt;Оля&lt;/b&gt;" in html and "<b>Оля</b>" not in html
    assert_healthy_page(html)
    note = Notification.objects.filter(recipient=shopper).order_by("created").first()
    opened = client.get(f"/notifications/{note.pk}/")
    assert opened.status_code == 302 and opened["Location"] == note.url
    note.refresh_from_db()
    assert note.read_at is not None
    assert "Непрочитанные (2)" in client.get("/notifications/?show=unread").content.decode()


def test_mark_all_read(client, shopper):
    tell(shopper, 4)
    client.force_login(shopper)
    response = client.post("/notifications/read-all/", follow=True)
    assert "Все уведомления отмечены прочитанными." in response.content.decode()
    assert services.unread_count(shopper.pk) == 0


def test_someone_elses_notification_is_not_found(client, shopper, other_shopper):
    tell(shopper)
    note = Notification.objects.get(recipient=shopper)
    client.force_login(other_shopper)
    assert client.get(f"/notifications/{note.pk}/").status_code == 404
    assert client.get("/notifications/999999/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_the_page_needs_a_log_in(client, db):
    assert client.get("/notifications/").status_code == 302


def test_the_list_costs_the_same_queries_for_3_or_30_notifications(client, shopper, django_assert_max_num_queries):
    client.force_login(shopper)
    tell(shopper, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    tell(shopper, 27)
    with django_assert_max_num_queries(len(few)):
        client.get("/notifications/")


def test_settings_save_a_frequency_per_kind_and_refuse_nonsense(client, shopper):
    client.force_login(shopper)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200
    assert_healthy_page(page.content.decode())
    data = {"language": "en", "kind_qa.answer": "weekly", "kind_reviews.helpful": "never"}
    response = client.post("/notifications/settings/", data, follow=True)
    assert "Настройки писем сохранены." in response.content.decode()
    assert dict(NotificationPreference.objects.filter(user=shopper).values_list("kind", "frequency")) == {
        "qa.answer": "weekly", "reviews.helpful": "never"}
    bad = client.post("/notifications/settings/", {"language": "xx", "kind_qa.answer": "hourly"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_the_cabinet_shows_the_notifications_block(client, shopper):
    tell(shopper, 2)
    client.force_login(shopper)
    html = client.get("/cabinet/").content.decode()
    assert "2 непрочитанных уведомления" in html and 'href="/notifications/settings/"' in html


@pytest.mark.slow
def test_the_demo_has_unread_notifications_of_several_kinds_for_anna(db, settings):
    from django.core.management import call_command

    call_command("demo_content", "--products", "60", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model

    anna = get_user_model().objects.get(username="anna")
    kinds = set(Notification.objects.unread().filter(recipient=anna).values_list("kind", flat=True))
    assert len(kinds) >= 3, kinds
    # dmitry wrote twice while she was away: one notification that counts both.
    [offline] = Notification.objects.filter(recipient=anna, kind="chat.direct_message")
    assert offline.params["count"] == 2
    # Idempotent: a second run adds nothing.
    before = Notification.objects.count()
    call_command("demo_content", "--products", "60", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Notification.objects.count() == before


