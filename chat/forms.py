"""Forms of the chat pages (the no-JS paths)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chat.models import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=MESSAGE_MAX_LENGTH * 2, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    client_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=MESSAGE_MAX_LENGTH * 2,
                           widget=forms.Textarea(attrs={"rows": 4}))


MUTE_CHOICES = [
    (15, _("15 minutes")),
    (60, _("1 hour")),
    (24 * 60, _("1 day")),
    (7 * 24 * 60, _("1 week")),
]


class MuteForm(forms.Form):
    room = forms.CharField(max_length=40, widget=forms.HiddenInput)
    username = forms.CharField(max_length=150, widget=forms.HiddenInput)
    minutes = forms.TypedChoiceField(label=_("For"), choices=MUTE_CHOICES, coerce=int, initial=60)
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
