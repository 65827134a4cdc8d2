"""The chat's places on the site: the product discussion, the "Написать" button on profiles and
the audit-log actions in the admin. The support desk's (the account's tickets, the admin queue)
are in ``chat.support.wagtail_hooks``, loaded from here (Wagtail reads one hooks module per app)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from chat import seo, views
from chat.models import Block
from chat.panels import script_strings
from chat.support import wagtail_hooks as support_hooks  # noqa: F401  (registers its hooks)
from chat.unread import unread_count
from community.accounts.selectors import CabinetSection
from community.catalog.models import ProductSection
from community.layout import AssetBundle, HeaderItem


@hooks.register("page_assets")
def chat_assets() -> AssetBundle:
    return AssetBundle(name="chat", css=("css/chat.css",), js=("js/chat.js",), templates=("chat/",))


@hooks.register("header_items")
def messages_link(request) -> HeaderItem | None:
    """«Сообщения» with the live unread count (cached: no query on most pages); its script keeps
    the count live, so the chat bundle comes with it."""
    if not request.user.is_authenticated:
        return None
    return HeaderItem(key="messages", template="chat/header_link.html", order=10,
                      context={"signed_in": True, "unread": unread_count(request.user.pk)},
                      assets=("chat",))


@hooks.register("product_page_sections")
def product_discussion(request, page) -> ProductSection:
    panel = views.product_section_panel(request, page)
    return ProductSection(key="chat", title=_("Discussion"), template="chat/product_section.html", order=40,
                          context={"chat_panel": panel, "chat_strings": script_strings()}, assets=("chat",))


# The product page's conditional GETs track the discussion too (community/catalog/seo.py).
seo.product_discussion_version.covers = (product_discussion,)
hooks.register("product_page_version", seo.product_discussion_version)


@hooks.register("product_page_routes")
def product_discussion_routes():
    return [path("chat/", views.product_chat, name="chat")]


@hooks.register("profile_sections")
def profile_write_button(request, user) -> CabinetSection | None:
    """ "Написать" on a public profile (and block / unblock)."""
    viewer = request.user
    if viewer.is_authenticated and viewer.pk == user.pk:
        return None
    blocked_by_me = viewer.is_authenticated and Block.objects.filter(blocker=viewer, blocked=user).exists()
    return CabinetSection(key="actions", title=_("Write"), template="chat/profile_actions.html", order=10,
                          context={"chat_blocked_by_me": blocked_by_me}, assets=("chat",))


@hooks.register("register_log_actions")
def register_chat_log_actions(actions):
    actions.register_action("chat.mute", _("Chat: mute"), _("Muted in a chat room"))
    actions.register_action("chat.unmute", _("Chat: unmute"), _("Unmuted in a chat room"))
