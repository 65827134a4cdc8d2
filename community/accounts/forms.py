from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.accounts.models import Profile
from community.widgets import FilePickerInput

MAX_AVATAR_BYTES = 2 * 1024 * 1024


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "avatar", "about"]
        widgets = {"about": forms.Textarea(attrs={"rows": 4}), "avatar": FilePickerInput(attrs={"accept": "image/*"})}

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if avatar and hasattr(avatar, "size") and avatar.size > MAX_AVATAR_BYTES:
            raise ValidationError(_("The avatar must be 2 MB or smaller."))
        return avatar

    def clean_display_name(self):
        return (self.cleaned_data.get("display_name") or "").strip()


class LoginForm(AllauthLoginForm):
    """allauth's log-in form with a clearer label for the username-or-email field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")
        self.fields["login"].widget.attrs["placeholder"] = ""


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               help_text=_("Your reviews, questions and answers stay, signed «Удалённый пользователь»; "
                                           "everything else about you is erased. This cannot be undone."))


class ProfileVisibilityForm(forms.Form):
    public = forms.BooleanField(label=_("Show my public profile"), required=False,
                                help_text=_("Off: others get “page not found” on your profile, it leaves the sitemap, "
                                            "and your name beside your reviews and answers is no longer a link. "
                                            "Your contributions stay visible."))
