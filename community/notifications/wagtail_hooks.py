"""Notifications in the site's layout: the header bell, the personal account's block, the admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from community.accounts.selectors import CabinetSection
from community.catalog import page_cache
from community.catalog.models import ProductSection
from community.layout import HeaderItem
from community.notifications import selectors
from community.notifications.kinds import NotificationKind
from community.notifications.models import Frequency
from community.notifications.services import unread_count, unread_counter


@hooks.register("header_items")
def notifications_bell(request) -> HeaderItem | None:
    """The bell with the unread count: cached (no query on most pages, one at most); chat's
    websocket script keeps it live (``notification`` frames of kind ``notification``)."""
    if not request.user.is_authenticated:
        return None
    return HeaderItem(key="notifications", template="notifications/bell.html", order=5,
                      context={"unread": unread_count(request.user.pk)})


hooks.register("user_counters", unread_counter)


@hooks.register("cabinet_sections")
def notifications_cabinet(request) -> CabinetSection | None:
    return CabinetSection(key="notifications", title=_("Notifications"), template="notifications/cabinet_section.html",
                          order=5, context={"notifications_unread": unread_count(request.user.pk),
                                            "notify_follows": selectors.followed_products(user=request.user)})


@hooks.register("cabinet_sections")
def waiting_list_cabinet(request) -> CabinetSection | None:
    """«Лист ожидания»: products the user asked to be told about when they are back in stock."""
    return CabinetSection(key="waiting-list", title=_("Waiting list"), template="notifications/cabinet_waiting_list.html",
                          order=6, context={"notify_waiting_list": selectors.waiting_list(user=request.user)})


@hooks.register("notification_kinds")
def own_notification_kinds():
    return [
        NotificationKind(key="notifications.review_request", label=_("Requests to review my purchases"), order=85,
                         message=_("How do you like “%(product)s”? Rate your purchase"),
                         default_frequency=Frequency.IMMEDIATE, email_template="review_request"),
        NotificationKind(key="notifications.back_in_stock", label=_("A product on my waiting list is back in stock"),
                         order=80, message=_("“%(product)s” is back in stock"), default_frequency=Frequency.IMMEDIATE),
    ]


@hooks.register("product_page_sections")
def follow_and_waiting_list(request, page) -> ProductSection:
    """«Следить за товаром» and, while it is out of stock, «Сообщить о поступлении» (from the
    viewer's state on the product, read in one query with what other sections ask)."""
    state = page_cache.viewer_state(request, page)
    following, waiting = bool(state.get("notify_following")), bool(state.get("notify_waiting"))
    return ProductSection(key="actions", title=_("Follow"), template="notifications/product_actions.html", order=1,
                          context={"notify_following": following, "notify_waiting": waiting,
                                   "notify_email_known": request.user.is_authenticated})


@hooks.register("product_viewer_state")
def follow_and_waiting_list_state(user) -> dict:
    """Does the viewer follow the product, are they on its open waiting list."""
    return selectors.follow_state_expressions(user=user)


def follow_and_waiting_list_version() -> dict:
    """``product_page_version`` hook of the actions section. Validators are for anonymous
    visitors only, and what they see here depends only on the product's stock status, which the
    page's own row already tracks: nothing to add."""
    return {}


follow_and_waiting_list_version.covers = (follow_and_waiting_list,)
hooks.register("product_page_version", follow_and_waiting_list_version)


@hooks.register("personal_data")
def notifications_personal_data(user) -> dict:
    from community.notifications.models import (
        Notification,
        NotificationPreference,
        ProductFollow,
        WaitingListEntry,
    )

    return {
        "notifications": list(Notification.objects.filter(recipient=user).values(
            "kind", "url", "params", "created", "read_at", "email_status")),
        "notification_preferences": list(NotificationPreference.objects.filter(user=user).values("kind", "frequency")),
        "followed_products": list(ProductFollow.objects.filter(user=user).values("product__title", "created")),
        "waiting_list": list(WaitingListEntry.objects.filter(user=user).values(
            "product__title", "email", "created", "confirmed_at", "notified_at")),
    }


@hooks.register("account_erase")
def notifications_erase(user) -> None:
    from community.notifications.models import (
        MailSettings,
        Notification,
        NotificationPreference,
        ProductFollow,
        WaitingListEntry,
    )

    for model, field in ((Notification, "recipient"), (NotificationPreference, "user"), (MailSettings, "user"),
                         (ProductFollow, "user"), (WaitingListEntry, "user")):
        model.objects.filter(**{field: user}).delete()
