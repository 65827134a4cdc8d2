"""Forms of the reviews pages. They check the shape of the input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.moderation.models import FlagReason
from community.widgets import MultipleFilePickerInput
from reviews.models import MAX_PHOTOS, PROS_CONS_MAX_LENGTH, RATINGS, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from reviews.photos import MAX_UPLOAD_BYTES


class StarRadioSelect(forms.RadioSelect):
    """Five radio buttons in a fieldset: keyboard- and screen-reader-friendly stars, no JS needed."""

    template_name = "reviews/widgets/star_rating.html"


class MultipleFileInput(MultipleFilePickerInput):
    """The photo picker (several photos, translated, with previews)."""


class MultipleImageField(forms.FileField):
    """Several files from one input; each is validated by the service (Pillow, size)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("A review can have at most %(max)d photos.") % {"max": MAX_PHOTOS}, code="too_many"
            )
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"), coerce=int, widget=StarRadioSelect,
        choices=[(r, str(r)) for r in RATINGS],
        error_messages={"required": _("Choose a rating from 1 to 5 stars."),
                        "invalid_choice": _("Choose a rating from 1 to 5 stars.")},
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=TITLE_MAX_LENGTH,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))
    text = forms.CharField(
        label=_("Your review"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("A blank line starts a new paragraph; links become clickable; the tags <b>, <i>, "
                    "<ul>, <ol> and <li> are kept."),
        error_messages={"required": _("The text cannot be empty.")},
    )
    pros = forms.CharField(label=_("Pros"), required=False, max_length=PROS_CONS_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}))
    cons = forms.CharField(label=_("Cons"), required=False, max_length=PROS_CONS_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleImageField(
        label=_("Photos"),
        help_text=_("Up to %(max)d photos, JPEG, PNG or WebP, at most %(mb)d MB each. "
                    "Location and camera data are removed.") % {"max": MAX_PHOTOS, "mb": MAX_UPLOAD_BYTES // 2**20},
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Remove photos"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, existing_photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_photos = list(existing_photos)
        if self.existing_photos:
            self.fields["remove_photos"].choices = [(p.pk, str(p.pk)) for p in self.existing_photos]
        else:
            del self.fields["remove_photos"]


class VoteForm(forms.Form):
    vote = forms.ChoiceField(choices=[("helpful", "helpful"), ("unhelpful", "unhelpful"), ("withdraw", "withdraw")])


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=FlagReason.choices)
    text = forms.CharField(label=_("Comment (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("The shop's reply"), max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}))
