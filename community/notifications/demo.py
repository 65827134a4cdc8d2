"""Demo notifications (last step of ``demo_content``): most come from the other steps' events
(answers, votes, new questions, Expert status, ticket replies); this adds follows, a waiting list
entry, and the review requests that are due. Idempotent."""

from __future__ import annotations

import contextlib

from django.contrib.auth import get_user_model

from community.catalog.models import ProductPage, StockStatus
from community.demo import DemoContext
from community.notifications import follows
from community.notifications.review_requests import send_review_requests
from community.notifications.services import NotificationError


def seed(context: DemoContext) -> None:
    anna = get_user_model().objects.filter(username="anna").first()
    if anna is None:
        return
    products = list(ProductPage.objects.live().order_by("pk")[:3])
    for product in products[1:3]:
        follows.product_follow(user=anna, product=product)
    waiting = ProductPage.objects.live().filter(stock_status=StockStatus.OUT_OF_STOCK).order_by("pk").first()
    if waiting is not None:
        with contextlib.suppress(NotificationError):  # already on the list (a second run)
            follows.waiting_list_join(user=anna, product=waiting)
    figures = send_review_requests()
    context.log(f"Notifications: anna follows {len(products[1:3])} products, "
                f"review requests sent: {figures['sent']}.")
