"""Signed webhooks, delivered for real: a local HTTP receiver on a free port checks the
signature (HMAC-SHA256 over id.timestamp.body), answers 500 to make the queue retry, and sees
the same idempotency key on every attempt; the admin shows each attempt and resends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from community.catalog import webhooks
from community.catalog.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.conftest import free_port, run_queued_tasks, run_task_worker
from tests.factories import UserFactory
from tests.reviews.factories import published_review, write_review


class Receiver:
    """A real HTTP server in a thread: records every request, answers from ``statuses`` (then 200)."""

    def __init__(self, statuses: list[int] | None = None):
        self.statuses = list(statuses or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/community"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def signature_is_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """A receiver's check written from the spec, independently of the site's code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) <= 300
    return fresh and hmac.compare_digest(expected, headers["webhook-signature"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="claudius", is_staff=True, is_superuser=True, verified=True)


@pytest.fixture(autouse=True)
def _quick_retries(settings):
    settings.WEBHOOK_RETRY_DELAYS = (0, 0)
    settings.WEBHOOK_TIMEOUT = 5


def endpoint_via_admin(client, admin_user, url: str, events: list[str]) -> WebhookEndpoint:
    client.force_login(admin_user)
    response = client.post("/admin/shop_webhooks/new/", {"name": "Магазин", "url": url, "events": events,
                                                         "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    return endpoint


@pytest.mark.django_db
def test_a_low_rating_review_is_signed_delivered_and_retried_after_a_500(client, admin_user, product):
    with Receiver(statuses=[500]) as receiver:
        endpoint = endpoint_via_admin(client, admin_user, receiver.url, ["review.published", "review.low_rating"])
        review = published_review(product, rating=1)
        assert WebhookDelivery.objects.count() == 2
        run_queued_tasks()
    assert len(receiver.requests) == 3  # the first attempt got a 500 and was retried
    for headers, body in receiver.requests:
        assert signature_is_valid(endpoint.secret, headers, body)
        assert webhooks.verify(secret=endpoint.secret, headers=headers, body=body)
    ids = [headers["webhook-id"] for headers, _body in receiver.requests]
    assert len(set(ids)) == 2  # the retry carries the same idempotency key
    payloads = {json.loads(body)["type"]: json.loads(body) for _h, body in receiver.requests}
    assert payloads["review.low_rating"]["data"]["rating"] == 1
    assert payloads["review.published"]["data"]["review_id"] == review.pk
    assert payloads["review.published"]["data"]["sku"] == product.sku
    assert "email" not in json.dumps(payloads["review.published"]["data"]["author"])
    first = WebhookDelivery.objects.get(message_id=ids[0])
    assert first.status == DeliveryStatus.DELIVERED and first.attempts == 2
    assert [a.status_code for a in first.attempt_log.order_by("number")] == [500, 200]


@pytest.mark.django_db
def test_a_tampered_body_or_an_old_timestamp_fails_verification(client, admin_user, product):
    with Receiver() as receiver:
        endpoint = endpoint_via_admin(client, admin_user, receiver.url, ["review.published"])
        published_review(product, rating=5)
        run_queued_tasks()
    [(headers, body)] = receiver.requests
    assert webhooks.verify(secret=endpoint.secret, headers=headers, body=body)
    assert not webhooks.verify(secret=endpoint.secret, headers=headers, body=body.replace(b"5", b"1"))
    assert not webhooks.verify(secret=endpoint.secret, headers=headers, body=body, now=time.time() + 3600)
    assert not webhooks.verify(secret=webhooks.new_secret(), headers=headers, body=body)


@pytest.mark.django_db
def test_after_the_last_retry_the_delivery_fails_and_the_admin_resends_it(client, admin_user, product):
    with Receiver(statuses=[500, 503, 502]) as receiver:
        endpoint_via_admin(client, admin_user, receiver.url, ["review.published"])
        published_review(product, rating=4)
        run_queued_tasks()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
        client.force_login(admin_user)
        page = client.get(f"/admin/shop_webhook_deliveries/inspect/{delivery.pk}/").content.decode()
        assert "503" in page and "502" in page
        assert client.post(f"/admin/shop_webhook_deliveries/resend/{delivery.pk}/").status_code == 302
        run_queued_tasks()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 4
    assert len({headers["webhook-id"] for headers, _b in receiver.requests}) == 1


@pytest.mark.django_db
def test_an_unreachable_endpoint_is_logged_and_retried(client, admin_user, product):
    endpoint_via_admin(client, admin_user, f"http://127.0.0.1:{free_port()}/closed", ["review.published"])
    published_review(product, rating=5)
    run_queued_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert all("Connection" in a.error or "refused" in a.error for a in delivery.attempt_log.all())


@pytest.mark.django_db
def test_nothing_is_sent_for_a_rolled_back_change_nor_for_pending_content(client, admin_user, product, newcomer,
                                                                        settings):
    with Receiver() as receiver:
        endpoint_via_admin(client, admin_user, receiver.url, ["review.published"])
        with pytest.raises(RuntimeError), transaction.atomic():
            published_review(product, rating=5)
            raise RuntimeError("rolled back")
        settings.MODERATION_PREMODERATE_FIRST = 1
        write_review(newcomer, product, rating=5)  # waits for a moderator
        run_queued_tasks()
    assert WebhookDelivery.objects.count() == 0 and receiver.requests == []


@pytest.mark.django_db
def test_only_superusers_see_endpoints_and_deliveries(client, staff, moderator):
    for user in (staff, moderator):
        client.force_login(user)
        for url in ("/admin/shop_webhooks/", "/admin/shop_webhook_deliveries/"):
            assert client.get(url).status_code in (302, 403)


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_process_delivers_a_question(client, admin_user, product, shopper, settings, monkeypatch):
    from tests.qa import factories as qa

    settings.MODERATION_PREMODERATE_FIRST = 0
    monkeypatch.setitem(os.environ, "WEBHOOK_RETRY_DELAYS", "0")
    with Receiver(statuses=[500]) as receiver:
        endpoint = endpoint_via_admin(client, admin_user, receiver.url, ["question.published"])
        question = qa.ask(shopper, product, "Какая гарантия на ноутбук?")
        run_task_worker()
    assert len(receiver.requests) == 2
    headers, body = receiver.requests[-1]
    assert signature_is_valid(endpoint.secret, headers, body)
    assert json.loads(body)["data"]["question_id"] == question.pk


@pytest.mark.django_db
def test_tickets_answers_and_expert_statuses_are_recorded_for_the_endpoints_that_hear_them(
        admin_user, shopper, other_shopper, product, page_tree, moderator, settings):
    from chat.support import services as support
    from community.qa import services as qa_services
    from experts import services as expert_services
    from tests.qa import factories as qa

    settings.MODERATION_PREMODERATE_FIRST = 0
    WebhookEndpoint.objects.create(name="Поддержка", url="http://127.0.0.1:9/support", secret=webhooks.new_secret(),
                                   events=["ticket.opened", "ticket.closed", "answer.published", "answer.accepted",
                                           "expert.status_changed"])
    WebhookEndpoint.objects.create(name="Отзывы", url="http://127.0.0.1:9/reviews", secret=webhooks.new_secret(),
                                   events=["review.published"])
    ticket = support.ticket_open(customer=shopper, subject="Где мой заказ?", body="Заказ A-1 не пришёл")
    support.ticket_close(actor=shopper, ticket=ticket)
    question = qa.ask(shopper, product, "Есть ли подсветка клавиатуры?")
    answer = qa.answer(other_shopper, question, "Есть, белая.")
    qa_services.answer_accept(actor=shopper, answer=answer)
    expert_services.expert_grant(moderator=moderator, user=other_shopper, category=page_tree["laptops"], reason="знаток")
    recorded = [(d.endpoint.name, d.event, json.loads(d.body)["data"]) for d in
                WebhookDelivery.objects.select_related("endpoint").order_by("pk")]
    assert [(name, event) for name, event, _data in recorded] == [
        ("Поддержка", "ticket.opened"), ("Поддержка", "ticket.closed"), ("Поддержка", "answer.published"),
        ("Поддержка", "answer.accepted"), ("Поддержка", "expert.status_changed")]
    assert recorded[0][2]["ticket"] == f"T-{ticket.number:06d}"
    assert recorded[3][2]["answer_id"] == answer.pk
    assert recorded[4][2] == {**recorded[4][2], "gained": True, "category": {"id": page_tree["laptops"].pk,
                                                                            "title": "Ноутбуки"}}
