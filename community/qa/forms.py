"""Forms of Q&A. They check shape (required, lengths); the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.moderation.models import FlagReason
from community.qa.models import ANSWER_MAX_LENGTH, DETAILS_MAX_LENGTH, TITLE_MAX_LENGTH


class QuestionForm(forms.Form):
    title = forms.CharField(
        label=_("Your question"), max_length=TITLE_MAX_LENGTH,
        help_text=_("One question, up to 200 characters. Similar questions are shown as you type."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-qa-title": ""}),
    )
    details = forms.CharField(
        label=_("Details (optional)"), required=False, max_length=DETAILS_MAX_LENGTH,
        help_text=_("What you plan to use it for, what you compared it with."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Set to 1 by the page script once it has shown the similar questions while typing, or by
    # the "did you mean" step's "ask anyway" button: then no second look is needed.
    similar_checked = forms.BooleanField(required=False, widget=forms.HiddenInput(attrs={"data-qa-similar-checked": ""}))

    def __init__(self, *args, prefix_id: str = "qa", **kwargs):
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)


class QuestionEditForm(QuestionForm):
    similar_checked = None


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"), max_length=ANSWER_MAX_LENGTH,
        help_text=_("Share what you know from experience. Links are allowed."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "answer-%s")
        super().__init__(*args, **kwargs)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=FlagReason.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Comment (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))
