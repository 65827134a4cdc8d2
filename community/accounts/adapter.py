"""The site's django-allauth account adapter: a refused sign-in says why."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


class AccountAdapter(DefaultAccountAdapter):
    def respond_user_inactive(self, request: HttpRequest, user) -> HttpResponse:
        """An inactive account's right password (or shop sign-in): a banned user is shown the
        ban's reason, its end date if any and how to appeal (403); others allauth's page.

        Only someone who proved they own the account gets here, so the reason is theirs to see.
        """
        from community.moderation.sanctions import ban_in_force

        ban = ban_in_force(user)
        context = {"ban": ban, "appeals_email": settings.MODERATION_APPEALS_EMAIL}
        return TemplateResponse(request, "account/account_inactive.html", context, status=403 if ban else 200)
