"""The new-ticket form (the no-JS path; the page script posts the same fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chat.models import MESSAGE_MAX_LENGTH
from chat.support.services import SUBJECT_MAX_LENGTH


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH,
                              help_text=_("In a few words: what happened?"))
    body = forms.CharField(label=_("Message"), max_length=MESSAGE_MAX_LENGTH,
                           help_text=_("Describe the problem: the order number, the product, what you expected. "
                                       "Up to 2,000 characters."),
                           widget=forms.Textarea(attrs={"rows": 6}))
    client_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
