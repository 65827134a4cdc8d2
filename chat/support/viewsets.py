"""The support ticket queue in the Wagtail admin: staff filter tickets (open, waiting for the
customer, closed; assignee), read the dialog, answer, assign, close and reopen — every change
through ``chat.support.services``, so the customer's open page updates live."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from chat import selectors
from chat.errors import ChatError
from chat.models import MESSAGE_MAX_LENGTH
from chat.support import selectors as support_selectors
from chat.support import services
from chat.support.models import CannedReply, Ticket, TicketStatus


class TicketAdminForm(WagtailAdminModelForm):
    claim = forms.BooleanField(label=_("Take this ticket (assign it to me)"), required=False)
    canned = forms.ModelChoiceField(label=_("Canned reply"), required=False, queryset=CannedReply.objects.all(),
                                    help_text=_("Sent as the answer when the answer box is empty."))
    reply = forms.CharField(label=_("Answer the customer"), required=False, max_length=MESSAGE_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("Sent to the ticket's dialog as a message from you."))
    note = forms.CharField(label=_("Internal note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Seen by the support team only, never by the customer."))

    class Meta:
        model = Ticket
        fields = ["status", "assignee", "tags"]
        widgets = {"tags": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = support_selectors.staff_users()


class TicketEditView(generic.EditView):
    template_name = "chat/support/admin/ticket_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["dialog"] = selectors.message_page(room=self.object.room, limit=200)
        context["notes"] = list(self.object.notes.select_related("author"))
        return context

    def save_instance(self):
        """Apply the form through the services: answer, status, assignee."""
        data = self.form.cleaned_data
        ticket = Ticket.objects.select_related("room").get(pk=self.object.pk)
        actor = self.request.user
        if data.get("claim"):
            services.ticket_claim(actor=actor, ticket=ticket)
        elif data["assignee"] != ticket.assignee:
            services.ticket_assign(actor=actor, ticket=ticket, assignee=data["assignee"])
        if set(data["tags"]) != set(ticket.tags.all()):
            services.ticket_tags_set(actor=actor, ticket=ticket, tags=data["tags"])
        if data.get("note", "").strip():
            services.ticket_note_add(author=actor, ticket=ticket, text=data["note"])
        # The status field counts only when staff changed it: an answer alone moves an open
        # ticket to "waiting for customer" by itself.
        original, reply = ticket.status, data["reply"].strip()
        if not reply and data.get("canned"):
            reply = data["canned"].body
        status = data["status"] if data["status"] != original else None
        if ticket.is_closed and status:
            services.ticket_reopen(actor=actor, ticket=ticket)
        if reply:
            services.ticket_reply(author=actor, ticket=ticket, body=reply)
            ticket.refresh_from_db()
        if status == TicketStatus.CLOSED:
            services.ticket_close(actor=actor, ticket=ticket)
        elif status and status != ticket.status:
            services.ticket_status_set(actor=actor, ticket=ticket, status=status)
        ticket.refresh_from_db()
        return ticket

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ChatError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)


class TicketIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("customer__profile", "assignee__profile")


class TicketViewSet(ModelViewSet):
    model = Ticket
    icon = "help"
    menu_label = _("Support tickets")
    menu_order = 250
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    edit_view_class = TicketEditView
    list_display = ["code", "subject", "customer", "status", "assignee", "first_response_at", "updated"]
    list_filter = ["status", "assignee", "tags"]
    search_fields = ["subject"]
    ordering = ["-updated"]
    edit_handler = ObjectList([FieldPanel("status"), FieldPanel("claim"), FieldPanel("assignee"), FieldPanel("tags"),
                               FieldPanel("canned"), FieldPanel("reply"), FieldPanel("note")],
                              base_form_class=TicketAdminForm)

    index_view_class = TicketIndexView


ticket_viewset = TicketViewSet("support_tickets")
