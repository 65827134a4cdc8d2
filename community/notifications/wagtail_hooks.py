"""Notifications in the site's layout: the header bell, the personal account's block, the admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from community.accounts.selectors import CabinetSection
from community.layout import HeaderItem
from community.notifications.services import unread_count


@hooks.register("header_items")
def notifications_bell(request) -> HeaderItem | None:
    """The bell with the unread count: cached (no query on most pages, one at most); chat's
    websocket script keeps it live (``notification`` frames of kind ``notification``)."""
    if not request.user.is_authenticated:
        return None
    return HeaderItem(key="notifications", template="notifications/bell.html", order=5,
                      context={"unread": unread_count(request.user.pk)})


@hooks.register("cabinet_sections")
def notifications_cabinet(request) -> CabinetSection | None:
    return CabinetSection(key="notifications", title=_("Notifications"), template="notifications/cabinet_section.html",
                          order=5, context={"notifications_unread": unread_count(request.user.pk)})
