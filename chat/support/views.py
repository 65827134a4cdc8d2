"""Support desk pages under ``/chat/tickets/``: the customer's list, the new-ticket form, a
ticket's dialog (the chat room page, without JavaScript too) and its actions (close, reopen,
assign). Thin, like ``chat.views``, whose room helpers they share."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import services as chat_services
from chat.errors import ChatError
from chat.panels import build_panel
from chat.permissions import room_access
from chat.rooms import ref_for_room
from chat.support import selectors as support_selectors
from chat.support import services as support_services
from chat.support.forms import TicketForm
from chat.support.models import Ticket
from chat.views import post_from_form, room_context
from community.http import parse_int, safe_next

User = get_user_model()


@login_required
@require_GET
def tickets(request: HttpRequest) -> HttpResponse:
    return render(request, "chat/support/tickets.html",
                  {"tickets": support_selectors.tickets_for_customer(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = TicketForm(request.POST)
        if form.is_valid():
            try:
                ticket = support_services.ticket_open(customer=request.user, subject=form.cleaned_data["subject"],
                                              body=form.cleaned_data["body"],
                                              client_id=form.cleaned_data["client_id"])
            except ChatError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Ticket %(code)s is open. We will answer here; you will see the answer "
                                            "in your account.") % {"code": ticket.code})
                return redirect(ticket.get_absolute_url())
    else:
        form = TicketForm(initial={"client_id": uuid.uuid4().hex})
    return render(request, "chat/support/ticket_new.html", {"form": form}, status=400 if form.errors else 200)


def _ticket_for(request: HttpRequest, code: str) -> Ticket:
    """The ticket, for its customer or staff; 404 for anyone else (no hint it exists)."""
    ticket = support_selectors.ticket_by_code(code)
    if ticket is None or not (request.user.pk == ticket.customer_id or request.user.is_staff):
        raise Http404
    return ticket


@login_required
@require_http_methods(["GET", "POST"])
def ticket(request: HttpRequest, code: str) -> HttpResponse:
    ticket = _ticket_for(request, code)
    if code != ticket.code:
        return redirect(ticket.get_absolute_url(), permanent=True)
    url = ticket.get_absolute_url()
    error = ""
    if request.method == "POST":
        message, error = post_from_form(request, lambda: ticket.room)
        if not error:
            return HttpResponseRedirect(f"{url}#chat-message-{message.pk}")
    ref = ref_for_room(ticket.room)
    access = room_access(request.user, kind=ref.kind, room=ticket.room)
    panel = build_panel(request, ref=ref, access=access, page_url=url, post_url=url, older_base=url, error=error,
                        draft=request.POST.get("body") if error else None)
    if panel.is_live and panel.page.last_id:
        chat_services.mark_read(user=request.user, room=ticket.room, upto=panel.page.last_id)
    return render(request, "chat/support/ticket.html", room_context(
        panel, ticket=ticket, staff=list(support_selectors.staff_users()) if request.user.is_staff else [],
        title=f"{ticket.code}: {ticket.subject}", robots="noindex, nofollow",
    ), status=400 if error else 200)


@login_required
@require_POST
def ticket_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Close, reopen or assign a ticket (customer or staff; assigning: staff)."""
    ticket = _ticket_for(request, code)
    try:
        if action == "close":
            support_services.ticket_close(actor=request.user, ticket=ticket)
            messages.success(request, _("Ticket %(code)s is closed.") % {"code": ticket.code})
        elif action == "reopen":
            support_services.ticket_reopen(actor=request.user, ticket=ticket)
            messages.success(request, _("Ticket %(code)s is open again.") % {"code": ticket.code})
        elif action == "assign":
            assignee_id = parse_int(request.POST.get("assignee"))
            assignee = User.objects.filter(pk=assignee_id).first() if assignee_id is not None else None
            support_services.ticket_assign(actor=request.user, ticket=ticket, assignee=assignee)
            messages.success(request, _("Assignee saved."))
        else:
            raise Http404
    except ChatError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, ticket.get_absolute_url()))
