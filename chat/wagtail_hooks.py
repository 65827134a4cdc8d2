"""The chat's places on the site: the product discussion, the personal account's tickets,
the "Написать" button on profiles, the ticket queue and audit-log actions in the admin."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from chat import selectors, views
from chat.models import Block, Ticket
from chat.panels import script_strings
from chat.viewsets import ticket_viewset
from community.accounts.selectors import CabinetSection
from community.admin_roles import SupportDeskPermissionPolicy
from community.catalog.models import ProductSection
from community.layout import AssetBundle, HeaderItem

SupportDeskPermissionPolicy.register_for(Ticket)


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
                      context={"signed_in": True, "unread": selectors.unread_count(request.user.pk)},
                      assets=("chat",))


@hooks.register("product_page_sections")
def product_discussion(request, page) -> ProductSection:
    panel = views.product_section_panel(request, page)
    return ProductSection(key="chat", title=_("Discussion"), template="chat/product_section.html", order=40,
                          context={"chat_panel": panel, "chat_strings": script_strings()}, assets=("chat",))


@hooks.register("product_page_routes")
def product_discussion_routes():
    return [path("chat/", views.product_chat, name="chat")]


@hooks.register("cabinet_sections")
def cabinet_tickets(request) -> CabinetSection | None:
    if not request.user.is_authenticated:
        return None
    return CabinetSection(key="tickets", title=_("Support tickets"), template="chat/cabinet_tickets.html", order=50,
                          context={"chat_tickets": selectors.tickets_for_customer(user=request.user, limit=10)},
                          assets=("chat",))


@hooks.register("profile_sections")
def profile_write_button(request, user) -> CabinetSection | None:
    """ "Написать" on a public profile (and block / unblock)."""
    viewer = request.user
    if viewer.is_authenticated and viewer.pk == user.pk:
        return None
    blocked_by_me = viewer.is_authenticated and Block.objects.filter(blocker=viewer, blocked=user).exists()
    return CabinetSection(key="actions", title=_("Write"), template="chat/profile_actions.html", order=10,
                          context={"chat_blocked_by_me": blocked_by_me}, assets=("chat",))


@hooks.register("register_admin_viewset")
def register_ticket_queue():
    return ticket_viewset


@hooks.register("register_log_actions")
def register_chat_log_actions(actions):
    actions.register_action("chat.mute", _("Chat: mute"), _("Muted in a chat room"))
    actions.register_action("chat.unmute", _("Chat: unmute"), _("Unmuted in a chat room"))
