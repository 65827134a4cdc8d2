"""The email settings form: one frequency per kind, and the email language."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.notifications.models import Frequency


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Email language"), choices=settings.LANGUAGES)

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_fields = []
        for kind, frequency in rows:
            name = f"kind_{kind.key}"
            self.fields[name] = forms.ChoiceField(label=kind.label, choices=Frequency.choices, initial=frequency,
                                                  widget=forms.RadioSelect, required=False)
            self.kind_fields.append(name)

    def frequencies(self) -> dict[str, str]:
        """The frequencies chosen; a kind left out of the post keeps its current setting."""
        return {name[len("kind_"):]: self.cleaned_data[name] for name in self.kind_fields if self.cleaned_data[name]}
