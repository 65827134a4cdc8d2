from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
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
    """allauth's log-in form with a clearer label for the username-or-email field, which is as long
    as an email address may be: allauth's username-or-email field has no limit, and SQLite refuses
    a LIKE pattern over 50,000 bytes (a 500 found by tests/http/test_fuzz_forms.py)."""

    LOGIN_MAX_LENGTH = 254

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["login"]
        field.label = _("Username or email")
        field.widget.attrs["placeholder"] = ""
        if field.max_length is None:
            field.max_length = self.LOGIN_MAX_LENGTH
            field.validators.append(MaxLengthValidator(self.LOGIN_MAX_LENGTH))
            field.widget.attrs["maxlength"] = str(self.LOGIN_MAX_LENGTH)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               help_text=_("Your reviews, questions and answers stay, signed «Удалённый пользователь»; "
                                           "everything else about you is erased. This cannot be undone."))


class ProfileVisibilityForm(forms.Form):
    public = forms.BooleanField(label=_("Show my public profile"), required=False,
                                help_text=_("Off: others get “page not found” on your profile, it leaves the sitemap, "
                                            "and your name beside your reviews and answers is no longer a link. "
                                            "Your contributions stay visible."))
