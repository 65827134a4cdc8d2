"""The support desk's places: the tickets block of the personal account and the ticket queue
in the Wagtail admin (with its staff permission policy). Loaded by ``chat.wagtail_hooks``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from chat.support import notifications, selectors
from chat.support.figures import support_figures
from chat.support.models import CannedReply, Ticket, TicketNote, TicketTag
from chat.support.viewsets import ticket_viewset
from community.accounts.selectors import CabinetSection
from community.admin_roles import StaffEditable, SupportDeskPermissionPolicy

SupportDeskPermissionPolicy.register_for(Ticket)


@hooks.register("notification_kinds")
def support_notification_kinds():
    return notifications.kinds()


@hooks.register("cabinet_sections")
def cabinet_tickets(request) -> CabinetSection | None:
    if not request.user.is_authenticated:
        return None
    return CabinetSection(key="tickets", title=_("Support tickets"), template="chat/support/cabinet_tickets.html",
                          order=50, context={"chat_tickets": selectors.tickets_for_customer(user=request.user, limit=10)},
                          assets=("chat",))


@hooks.register("register_admin_viewset")
def register_ticket_queue():
    return ticket_viewset


# --- topics, canned replies and the figures page ---------------------------------------------

class TicketTagViewSet(SnippetViewSet):
    model = TicketTag
    icon = "tag"
    menu_label = _("Ticket topics")
    list_display = ["name"]


class CannedReplyViewSet(SnippetViewSet):
    model = CannedReply
    icon = "doc-full"
    menu_label = _("Canned replies")
    list_display = ["title"]


for _model in (TicketTag, CannedReply, TicketNote):
    StaffEditable.register_for(_model)
register_snippet(TicketTagViewSet)
register_snippet(CannedReplyViewSet)


def support_figures_view(request):
    """The owner's page: how well support works and what customers ask about most."""
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    return TemplateResponse(request, "chat/support/admin/figures.html", {
        "figures": support_figures(), "page_title": _("Support figures"), "header_icon": "table"})


@hooks.register("register_admin_urls")
def support_figures_urls():
    return [path("support/figures/", support_figures_view, name="support_figures")]


class StaffMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.is_active and request.user.is_staff


@hooks.register("register_admin_menu_item")
def support_figures_menu_item():
    return StaffMenuItem(_("Support figures"), reverse("support_figures"), name="support-figures",
                         icon_name="table", order=251)
