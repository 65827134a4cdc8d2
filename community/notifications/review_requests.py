"""Review requests: «Как вам <товар>? Оцените покупку», ``REVIEW_REQUEST_DAYS`` (14) days after a
purchase from the shop's feed, with a signed one-click star link that opens the review form
pre-filled. At most one per purchase (``ReviewRequest``); none if the buyer already reviewed the
product (asked through the ``reviewed_products`` hook: ``(pairs) -> set of (user_id,
product_id)``, registered by the reviews app) or turned the kind off («не присылать»).
Run by ``manage.py send_review_requests`` (cron, daily; idempotent).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from community.catalog.models import Purchase
from community.notifications.emails import TokenError
from community.notifications.kinds import Announcement
from community.notifications.models import Frequency, NotificationPreference, ReviewRequest
from community.notifications.services import announce

KIND = "notifications.review_request"
SIGNING_SALT = "notifications.review_request"
TOKEN_MAX_AGE = 90 * 24 * 3600
CHUNK = 500


def review_token(purchase: Purchase) -> str:
    return signing.dumps({"p": purchase.pk, "u": purchase.user_id}, salt=SIGNING_SALT)


def read_review_token(token: str) -> Purchase:
    """The purchase a star link is about; :class:`TokenError` with a message otherwise."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenError(_("This rating link has expired. You can still write a review on the product page.")) from None
    except signing.BadSignature:
        raise TokenError(_("This rating link is not valid.")) from None
    purchase = (Purchase.objects.select_related("product").filter(pk=data.get("p"), user_id=data.get("u")).first()
                if isinstance(data, dict) else None)
    if purchase is None or not purchase.product.live:
        raise TokenError(_("This rating link is not valid."))
    return purchase


def _reviewed(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for hook in hooks.get_hooks("reviewed_products"):
        found |= set(hook(pairs) or ())
    return found


def send_review_requests(*, now: datetime | None = None, days: int | None = None) -> dict[str, int]:
    """Ask for reviews of the purchases made ``days`` ago or earlier that have no request yet."""
    now = now or timezone.now()
    days = settings.REVIEW_REQUEST_DAYS if days is None else days
    figures = {"sent": 0, "skipped": 0}
    due = (Purchase.objects.filter(purchased_at__lte=now - timedelta(days=days), review_request__isnull=True,
                                   user__is_active=True)
           .select_related("product").order_by("pk"))
    while True:
        chunk = list(due[:CHUNK])
        if not chunk:
            return figures
        _request_chunk(chunk, figures)


def _request_chunk(purchases: list[Purchase], figures: dict) -> None:
    reviewed = _reviewed([(p.user_id, p.product_id) for p in purchases])
    opted_out = set(NotificationPreference.objects.filter(
        kind=KIND, frequency=Frequency.NEVER, user_id__in={p.user_id for p in purchases}).values_list("user_id", flat=True))
    seen: set[tuple[int, int]] = set()  # two orders of one product: one request
    with transaction.atomic():
        requests, announcements = [], []
        for purchase in purchases:
            pair = (purchase.user_id, purchase.product_id)
            ask = pair not in reviewed and pair not in seen and purchase.user_id not in opted_out and \
                purchase.product.live
            seen.add(pair)
            requests.append(ReviewRequest(purchase=purchase, sent=ask))
            if ask:
                announcements.append(Announcement(
                    kind=KIND, cause=f"purchase:{purchase.pk}", url=purchase.product.url + "reviews/write/",
                    recipient_ids=[purchase.user_id],
                    params={"product": purchase.product.title, "token": review_token(purchase)}))
        ReviewRequest.objects.bulk_create(requests, ignore_conflicts=True)
        announce(announcements)
    figures["sent"] += len(announcements)
    figures["skipped"] += len(requests) - len(announcements)
