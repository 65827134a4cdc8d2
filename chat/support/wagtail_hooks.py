"""The support desk's places: the tickets block of the personal account and the ticket queue
in the Wagtail admin (with its staff permission policy). Loaded by ``chat.wagtail_hooks``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from chat.support import notifications, selectors
from chat.support.models import Ticket
from chat.support.viewsets import ticket_viewset
from community.accounts.selectors import CabinetSection
from community.admin_roles import SupportDeskPermissionPolicy

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
