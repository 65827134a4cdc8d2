"""The personal account: purchases with «Оставить отзыв» / «Ваш отзыв», «Мои отзывы», exporting
my data (built by the worker) and deleting my account (password-confirmed, content kept)."""

from __future__ import annotations

import json

from allauth.account.models import EmailAddress

from community.accounts.models import DataExport
from community.moderation.models import Status
from community.notifications.models import Notification
from tests.conftest import run_queued_tasks
from tests.factories import PASSWORD, PurchaseFactory
from tests.qa import factories as qa
from tests.reviews import factories as reviews


def test_purchases_link_to_write_or_to_the_review(client, shopper, page_tree, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    reviewed, other = page_tree["products"][:2]
    PurchaseFactory(user=shopper, product=reviewed)
    PurchaseFactory(user=shopper, product=other)
    review = reviews.published_review(reviewed, author=shopper)
    client.force_login(shopper)
    html = client.get("/cabinet/").content.decode()
    assert f'href="/reviews/{review.pk}/">Ваш отзыв</a>' in html
    assert f'href="{other.url}reviews/write/">Оставить отзыв</a>' in html
    assert "Мои отзывы" in html


def test_my_data_is_exported_by_the_worker_as_json(client, shopper, product, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    PurchaseFactory(user=shopper, product=product, order_ref="Z-9")
    reviews.published_review(product, author=shopper)
    qa.ask(shopper, product)
    client.force_login(shopper)
    client.post("/cabinet/privacy/", {"action": "export"})
    client.post("/cabinet/privacy/", {"action": "export"})  # twice: one export being prepared
    export = DataExport.objects.get()
    assert export.state == DataExport.State.PENDING
    run_queued_tasks()
    export.refresh_from_db()
    assert export.state == DataExport.State.READY
    page = client.get("/cabinet/privacy/").content.decode()
    assert f"/cabinet/privacy/export/{export.pk}/" in page
    response = client.get(f"/cabinet/privacy/export/{export.pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["username"] == "hamlet" and data["purchases"][0]["order_ref"] == "Z-9"
    assert len(data["reviews"]) == 1 and len(data["questions"]) == 1 and "notifications" in data


def test_someone_elses_export_is_not_found(client, shopper, other_shopper):
    export = DataExport.objects.create(user=shopper, state=DataExport.State.READY, content="{}")
    client.force_login(other_shopper)
    assert client.get(f"/cabinet/privacy/export/{export.pk}/").status_code == 404


def test_deleting_the_account_needs_the_password_and_keeps_the_content(client, shopper, other_shopper, product,
                                                                      settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    review = reviews.published_review(product, author=shopper)
    question = qa.ask(other_shopper, product)
    qa.answer(shopper, question)
    assert Notification.objects.filter(recipient=other_shopper).exists()
    client.force_login(shopper)
    wrong = client.post("/cabinet/privacy/", {"action": "delete", "password": "nope"})
    assert wrong.status_code == 400 and "Неверный пароль." in wrong.content.decode()
    shopper.refresh_from_db()
    assert shopper.is_active
    done = client.post("/cabinet/privacy/", {"action": "delete", "password": PASSWORD}, follow=True)
    assert "Ваш аккаунт удалён" in done.content.decode()
    shopper.refresh_from_db()
    assert not shopper.is_active and shopper.email == "" and shopper.username == f"deleted-{shopper.pk}"
    assert not EmailAddress.objects.filter(user=shopper).exists()
    assert shopper.profile.name == "Удалённый пользователь"
    review.refresh_from_db()
    assert review.status == Status.PUBLISHED  # the content stays for other readers
    assert "Удалённый пользователь" in client.get(f"/reviews/{review.pk}/").content.decode()
    assert client.get("/cabinet/").status_code == 302  # signed out
