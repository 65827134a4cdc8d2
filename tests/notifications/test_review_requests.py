"""Review requests N days after a purchase: one per purchase, none if reviewed or opted out, a
signed one-click star link that opens the review form pre-filled."""

from __future__ import annotations

import re

from django.core import signing
from django.utils import timezone

from community.notifications import review_requests
from community.notifications.models import Notification, NotificationPreference, ReviewRequest
from tests.conftest import run_queued_tasks
from tests.factories import PurchaseFactory
from tests.reviews import factories as reviews


def bought(user, product, days_ago: int, order: str = "A-1"):
    return PurchaseFactory(user=user, product=product, order_ref=order,
                           purchased_at=timezone.now() - timezone.timedelta(days=days_ago))


def test_a_buyer_is_asked_14_days_after_the_purchase_once(shopper, product, mailoutbox):
    bought(shopper, product, days_ago=3)
    assert review_requests.send_review_requests() == {"sent": 0, "skipped": 0}
    purchase = bought(shopper, product, days_ago=15, order="A-0")
    assert review_requests.send_review_requests() == {"sent": 1, "skipped": 0}
    assert review_requests.send_review_requests() == {"sent": 0, "skipped": 0}  # idempotent
    [note] = Notification.objects.filter(recipient=shopper, kind="notifications.review_request")
    assert note.url == product.url + "reviews/write/"
    assert ReviewRequest.objects.get().purchase == purchase
    run_queued_tasks()
    [mail] = mailoutbox
    assert f"Как вам «{product.title}»? Оцените покупку" in mail.subject
    stars = re.findall(r"http://\S+/notifications/rate/\S+/\?rating=(\d)", mail.body)
    assert stars == ["1", "2", "3", "4", "5"]


def test_the_setting_sets_the_delay(shopper, product, settings):
    settings.REVIEW_REQUEST_DAYS = 2
    bought(shopper, product, days_ago=3)
    assert review_requests.send_review_requests()["sent"] == 1


def test_no_request_when_already_reviewed_or_opted_out(shopper, other_shopper, product):
    reviews.published_review(product, author=shopper)
    bought(shopper, product, days_ago=20)
    NotificationPreference.objects.create(user=other_shopper, kind="notifications.review_request", frequency="never")
    bought(other_shopper, product, days_ago=20)
    assert review_requests.send_review_requests() == {"sent": 0, "skipped": 2}
    assert not Notification.objects.exists()
    assert ReviewRequest.objects.count() == 2  # recorded: never asked later either


def test_two_orders_of_one_product_make_one_request(shopper, product):
    bought(shopper, product, days_ago=20, order="A-1")
    bought(shopper, product, days_ago=19, order="A-2")
    assert review_requests.send_review_requests() == {"sent": 1, "skipped": 1}


def test_the_star_link_opens_the_review_form_pre_filled(client, shopper, product):
    purchase = bought(shopper, product, days_ago=20)
    token = review_requests.review_token(purchase)
    response = client.get(f"/notifications/rate/{token}/?rating=4")
    assert response.status_code == 302 and response["Location"] == f"{product.url}reviews/write/?rating=4"
    client.force_login(shopper)
    form = client.get(response["Location"]).content.decode()
    assert re.search(r'<input[^>]*name="rating"[^>]*value="4"[^>]*checked', form) or \
        re.search(r'<input[^>]*value="4"[^>]*name="rating"[^>]*checked', form)


def test_a_forged_or_expired_star_link_gets_a_clear_message(client, shopper, product, monkeypatch):
    purchase = bought(shopper, product, days_ago=20)
    forged = signing.dumps({"p": purchase.pk, "u": shopper.pk}, salt="something else")
    response = client.get(f"/notifications/rate/{forged}/?rating=5")
    assert response.status_code == 400 and "Ссылка для оценки недействительна" in response.content.decode()
    token = review_requests.review_token(purchase)
    monkeypatch.setattr(review_requests, "TOKEN_MAX_AGE", -1)
    response = client.get(f"/notifications/rate/{token}/?rating=5")
    assert response.status_code == 400 and "Срок действия ссылки для оценки истёк" in response.content.decode()
