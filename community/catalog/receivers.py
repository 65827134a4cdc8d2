"""The catalog keeps products' top-level category right whenever the page tree changes, and
turns domain events into webhooks to the shop (at the end of this module).

Wagtail 8 offers admin hooks (``after_create_page``, ``after_edit_page``, ``after_move_page``,
``after_delete_page``, ``after_unpublish_page``) that run only in its admin views, and signals
that run for every caller — the admin, ``page.move()``, the demo, imports. These receivers use
the signals, so one path covers both:

* created, edited, copied, published (``post_save`` of a ``ProductPage``): that product;
* moved (``wagtail.signals.post_page_move``, sent by ``MovePageAction`` for the admin's move view
  and ``Page.move``): the moved page and every product below it — Wagtail rewrites the
  descendants' paths with raw SQL, so nothing else would notice;
* deleted or unpublished: nothing to re-key — deleting a category deletes its products with it,
  and unpublishing changes no path (``manage.py check_catalog`` proves the catalog consistent).
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import post_page_move

from community import events
from community.catalog import services, webhooks
from community.catalog.models import ProductPage, WebhookEvent
from community.seo import absolute_url


@receiver(post_save, sender=ProductPage, dispatch_uid="catalog.product_saved")
def product_saved(sender, instance: ProductPage, raw: bool = False, **kwargs) -> None:
    if raw:  # loading fixtures: the rows are taken as they are
        return
    services.product_category_sync(product=instance)


@receiver(post_page_move, dispatch_uid="catalog.page_moved")
def page_moved(sender, instance, url_path_before: str = "", url_path_after: str = "", **kwargs) -> None:
    services.product_categories_sync(page=instance)


# --- webhooks to the shop (community/catalog/webhooks.py) --------------------------------------------
# Content arrives duck-typed (the core names no feature app): each payload says what the shop
# needs to act — ids, the SKU, the rating, the public URL, the author as the site shows them.

LOW_RATING = 2


def _author(user) -> dict:
    from community.api import author_out

    return author_out(user)


def _review_data(review) -> dict:
    return {"review_id": review.pk, "sku": review.product.sku, "rating": review.rating, "title": review.title,
            "verified_purchase": review.verified_purchase, "url": absolute_url(review.get_absolute_url()),
            "author": _author(review.author)}


@receiver(events.review_published, dispatch_uid="catalog.webhooks.review_published")
def review_published(sender, review, **kwargs) -> None:
    webhooks.webhook_event_record(event=WebhookEvent.REVIEW_PUBLISHED, data=lambda: _review_data(review))
    if review.rating <= LOW_RATING:
        webhooks.webhook_event_record(event=WebhookEvent.REVIEW_LOW_RATING, data=lambda: _review_data(review))


@receiver(events.question_asked, dispatch_uid="catalog.webhooks.question_asked")
def question_published(sender, question, **kwargs) -> None:
    webhooks.webhook_event_record(event=WebhookEvent.QUESTION_PUBLISHED, data=lambda: {
        "question_id": question.pk, "sku": question.product.sku, "title": question.title,
        "url": absolute_url(question.get_url()), "author": _author(question.author)})


def _answer_data(answer) -> dict:
    question = answer.question
    return {"answer_id": answer.pk, "question_id": question.pk, "sku": question.product.sku,
            "question_title": question.title, "url": absolute_url(answer.get_url()),
            "by_shop": answer.is_staff_answer, "author": _author(answer.author)}


@receiver(events.answer_posted, dispatch_uid="catalog.webhooks.answer_posted")
def answer_published(sender, answer, **kwargs) -> None:
    webhooks.webhook_event_record(event=WebhookEvent.ANSWER_PUBLISHED, data=lambda: _answer_data(answer))


@receiver(events.answer_accepted, dispatch_uid="catalog.webhooks.answer_accepted")
def answer_accepted(sender, answer, **kwargs) -> None:
    webhooks.webhook_event_record(event=WebhookEvent.ANSWER_ACCEPTED, data=lambda: _answer_data(answer))


@receiver(events.ticket_changed, dispatch_uid="catalog.webhooks.ticket_changed")
def ticket_changed(sender, ticket, previous_status, **kwargs) -> None:
    if previous_status is None:
        event = WebhookEvent.TICKET_OPENED
    elif ticket.status == "closed" and previous_status != "closed":
        event = WebhookEvent.TICKET_CLOSED
    else:
        return
    webhooks.webhook_event_record(event=event, data=lambda: {
        "ticket": f"T-{ticket.number:06d}", "subject": ticket.subject, "status": ticket.status,
        "customer": _author(ticket.customer)})


@receiver(events.expert_status_changed, dispatch_uid="catalog.webhooks.expert_status_changed")
def expert_status_changed(sender, user, category, gained, **kwargs) -> None:
    webhooks.webhook_event_record(event=WebhookEvent.EXPERT_STATUS_CHANGED, data=lambda: {
        "expert": _author(user), "category": {"id": category.pk, "title": category.title}, "gained": bool(gained)})
