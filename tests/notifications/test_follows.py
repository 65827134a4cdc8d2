"""Following products, the waiting list («Сообщить о поступлении») and the shop's stock feed."""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from django.test import Client

from community.catalog.feed import feed_import
from community.catalog.models import StockStatus
from community.notifications import follows
from community.notifications.models import Notification, ProductFollow, WaitingListEntry
from tests.conftest import run_queued_tasks
from tests.factories import PurchaseFactory
from tests.qa import factories as qa
from tests.reviews import factories as reviews


def out_of_stock(product):
    product.stock_status = StockStatus.OUT_OF_STOCK
    product.save()
    return product


def test_the_follow_button_follows_and_unfollows(client, shopper, product):
    client.force_login(shopper)
    html = client.get(product.url).content.decode()
    assert "Следить за товаром" in html
    client.post(f"/notifications/follow/product/{product.pk}/", {"follow": "1", "next": product.url})
    client.post(f"/notifications/follow/product/{product.pk}/", {"follow": "1", "next": product.url})  # twice: once
    assert ProductFollow.objects.filter(user=shopper, product=product).count() == 1
    assert 'aria-pressed="true"' in client.get(product.url).content.decode()
    client.post(f"/notifications/follow/product/{product.pk}/", {"follow": "0"})
    assert not ProductFollow.objects.exists()


def test_following_what_does_not_exist_is_a_clear_404(client, shopper):
    client.force_login(shopper)
    response = client.post("/notifications/follow/product/999999/", {"follow": "1"})
    assert response.status_code == 404


def test_a_visitor_is_asked_to_log_in_to_follow(client, product):
    response = client.post(f"/notifications/follow/product/{product.pk}/", {"follow": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ProductFollow.objects.exists()


def test_followers_hear_of_new_reviews_and_questions_once(shopper, other_shopper, third_shopper, product):
    follows.product_follow(user=shopper, product=product)
    follows.product_follow(user=third_shopper, product=product)
    PurchaseFactory(user=third_shopper, product=product)  # a buyer: told as a buyer, not twice
    review = reviews.published_review(product, author=other_shopper)
    qa.ask(other_shopper, product)
    assert sorted(Notification.objects.filter(recipient=shopper).values_list("kind", flat=True)) == [
        "qa.followed_product", "reviews.followed_product"]
    assert sorted(Notification.objects.filter(recipient=third_shopper).values_list("kind", flat=True)) == [
        "qa.new_question", "reviews.followed_product"]
    assert Notification.objects.filter(recipient=shopper, kind="reviews.followed_product").get().url == \
        review.get_absolute_url()
    assert not Notification.objects.filter(recipient=other_shopper).exists()


def test_a_signed_in_buyer_joins_the_waiting_list_at_once_and_only_once(client, shopper, product):
    out_of_stock(product)
    client.force_login(shopper)
    assert "Сообщить о поступлении" in client.get(product.url).content.decode()
    first = client.post(f"/notifications/waiting/{product.pk}/", {"next": product.url}, follow=True)
    assert "Мы сообщим, когда товар появится" in first.content.decode()
    second = client.post(f"/notifications/waiting/{product.pk}/", {"next": product.url}, follow=True)
    assert "уже в списке ожидания" in second.content.decode()
    entry = WaitingListEntry.objects.get()
    assert entry.user == shopper and entry.is_confirmed and entry.email == shopper.email
    assert "Мы сообщим, когда товар появится" in client.get(product.url).content.decode()
    assert product.title in client.get("/cabinet/").content.decode()


def test_an_in_stock_product_has_no_waiting_list(client, shopper, product):
    client.force_login(shopper)
    assert "Сообщить о поступлении" not in client.get(product.url).content.decode()
    response = client.post(f"/notifications/waiting/{product.pk}/", follow=True)
    assert "Товар есть в наличии" in response.content.decode()
    assert not WaitingListEntry.objects.exists()


def test_an_anonymous_address_is_confirmed_by_a_signed_link(client, product, mailoutbox):
    out_of_stock(product)
    bad = client.post(f"/notifications/waiting/{product.pk}/", {"email": "not an address"}, follow=True)
    assert "Введите правильный адрес" in bad.content.decode()
    client.post(f"/notifications/waiting/{product.pk}/", {"email": "Guest@Example.ru"})
    entry = WaitingListEntry.objects.get()
    assert entry.email == "guest@example.ru" and not entry.is_confirmed and entry.user is None
    assert mailoutbox == []  # sent by the worker
    run_queued_tasks()
    [mail] = mailoutbox
    link = re.search(r"http://\S+/notifications/waiting/confirm/(\S+)/", mail.body)
    assert link and mail.alternatives[0][1] == "text/html"
    token = link.group(1)
    page = client.get(f"/notifications/waiting/confirm/{token}/")
    assert page.status_code == 200
    entry.refresh_from_db()
    assert not entry.is_confirmed  # a GET (a link scanner) confirms nothing
    done = Client(enforce_csrf_checks=False).post(f"/notifications/waiting/confirm/{token}/")
    assert done.status_code == 200 and product.title in done.content.decode()
    entry.refresh_from_db()
    assert entry.is_confirmed
    again = client.post(f"/notifications/waiting/{product.pk}/", {"email": "guest@example.ru"}, follow=True)
    assert "уже в списке ожидания" in again.content.decode()
    assert WaitingListEntry.objects.count() == 1


def test_a_forged_confirmation_link_gets_a_clear_message(client, product):
    for response in (client.get("/notifications/waiting/confirm/forged:token/"),
                     client.post("/notifications/waiting/confirm/forged:token/")):
        assert response.status_code == 400
        assert "Ссылка для подтверждения недействительна" in response.content.decode()


def test_the_stock_feed_tells_the_waiting_list_once_and_closes_it(shopper, product, mailoutbox):
    out_of_stock(product)
    follows.waiting_list_join(user=shopper, product=product)
    guest = follows.waiting_list_join(user=AnonymousUser(), product=product, email="guest@example.ru")
    follows.waiting_list_confirm(token=follows.waiting_list_token(guest))
    unconfirmed = follows.waiting_list_join(user=AnonymousUser(), product=product, email="late@example.ru")
    run_queued_tasks()
    mailoutbox.clear()
    feed_import(stock=[(1, {"sku": product.sku, "status": "in_stock", "quantity": 5})])
    run_queued_tasks()
    [note] = Notification.objects.filter(recipient=shopper, kind="notifications.back_in_stock")
    assert note.url == product.url
    assert [m.to for m in mailoutbox if "guest@example.ru" in m.to] == [["guest@example.ru"]]
    assert WaitingListEntry.objects.filter(notified_at__isnull=True).get().pk == unconfirmed.pk
    # Out and in again: the closed entries are not told twice.
    feed_import(stock=[(1, {"sku": product.sku, "status": "out_of_stock", "quantity": 0})])
    feed_import(stock=[(1, {"sku": product.sku, "status": "in_stock", "quantity": 3})])
    run_queued_tasks()
    assert Notification.objects.filter(kind="notifications.back_in_stock").count() == 1
    assert len([m for m in mailoutbox if "guest@example.ru" in m.to]) == 1


def test_leaving_the_waiting_list_from_the_account(client, shopper, other_shopper, product):
    out_of_stock(product)
    entry = follows.waiting_list_join(user=shopper, product=product)
    client.force_login(other_shopper)
    client.post(f"/notifications/waiting/leave/{entry.pk}/")
    assert WaitingListEntry.objects.count() == 1  # not theirs
    client.force_login(shopper)
    client.post(f"/notifications/waiting/leave/{entry.pk}/")
    assert not WaitingListEntry.objects.exists()
