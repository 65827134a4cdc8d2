"""Read paths of notifications: a user's list grouped by day, their settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.utils import timezone

from community.notifications.emails import effective_frequencies
from community.notifications.kinds import NotificationKind, all_kinds, get_kind
from community.notifications.models import Notification

PER_PAGE = 30


@dataclass
class Day:
    day: date
    items: list[Notification]


def notification_page(*, user, unread_only: bool, page: str | int | None) -> tuple[Page, list[Day]]:
    """One page of the user's visible notifications, newest first, grouped by local day; each
    item carries ``text`` (rendered, escaped) in the current language."""
    rows = Notification.objects.visible().filter(recipient_id=user.pk)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    paginator = Paginator(rows.only("pk", "kind", "params", "url", "created", "read_at"), PER_PAGE)
    listing = paginator.get_page(page)
    days: list[Day] = []
    for notification in listing.object_list:
        notification.text = get_kind(notification.kind).render(notification.params)
        day = timezone.localdate(notification.created)
        if not days or days[-1].day != day:
            days.append(Day(day=day, items=[]))
        days[-1].items.append(notification)
    return listing, days


def settings_rows(*, user) -> list[tuple[NotificationKind, str]]:
    """Every kind with the user's email frequency for it."""
    frequencies = effective_frequencies(user)
    return [(kind, frequencies[kind.key]) for kind in all_kinds()]


def live_payloads(notification_ids: list[int]) -> list[dict]:
    """What a live ``notification`` frame says about each notification: its recipient, the link
    that opens it, its text in every UI language and the recipient's unread total (counted for
    all recipients in one query per 1,000, and cached)."""
    from django.conf import settings
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import translation

    from community.notifications.services import cache_unread_counts

    rows = list(Notification.objects.visible().filter(pk__in=notification_ids)
                .only("pk", "recipient_id", "kind", "params"))
    recipients = sorted({row.recipient_id for row in rows})
    counts: dict[int, int] = {}
    for start in range(0, len(recipients), 1000):
        chunk = recipients[start:start + 1000]
        counts.update(Notification.objects.unread().filter(recipient_id__in=chunk).values("recipient_id")
                      .annotate(n=Count("pk")).values_list("recipient_id", "n"))
    cache_unread_counts({user_id: counts.get(user_id, 0) for user_id in recipients})
    texts_by_kind: dict[tuple, dict[str, str]] = {}
    payloads = []
    for row in rows:
        cache_key = (row.kind, repr(sorted(row.params.items())))
        texts = texts_by_kind.get(cache_key)
        if texts is None:
            texts = {}
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    texts[code] = str(get_kind(row.kind).render(row.params))
            texts_by_kind[cache_key] = texts
        payloads.append({"recipient_id": row.recipient_id, "id": row.pk, "texts": texts,
                         "url": reverse("notifications:go", args=[row.pk]),
                         "unread": counts.get(row.recipient_id, 0)})
    return payloads


def follow_state_expressions(*, user) -> dict:
    """Over a product's ``OuterRef("pk")``: ``notify_following`` (``user`` follows it) and
    ``notify_waiting`` (is on its open waiting list)."""
    from django.db.models import Exists, OuterRef

    from community.notifications.models import ProductFollow, WaitingListEntry

    return {
        "notify_following": Exists(ProductFollow.objects.filter(product=OuterRef("pk"), user_id=user.pk)),
        "notify_waiting": Exists(WaitingListEntry.objects.filter(product=OuterRef("pk"), user_id=user.pk,
                                                                 notified_at__isnull=True)),
    }


def followed_products(*, user, limit: int = 50):
    from community.notifications.models import ProductFollow

    return ProductFollow.objects.filter(user_id=user.pk).select_related("product").order_by("-created")[:limit]


def waiting_list(*, user, limit: int = 50):
    from community.notifications.models import WaitingListEntry

    return (WaitingListEntry.objects.filter(user_id=user.pk, notified_at__isnull=True)
            .select_related("product").order_by("-created")[:limit])
