"""The user's own data: exporting it (JSON, built in the background) and deleting the account.

Apps add their part through two Wagtail hooks, so the core names none of them:

``personal_data``
    callables ``(user) -> dict`` merged into the export (the reviews app adds the user's reviews,
    Q&A the questions and answers, notifications the notifications, preferences and follows).
``account_erase``
    callables ``(user) -> None`` run inside the deletion's transaction to erase an app's personal
    data about the user (their content stays, attributed to «Удалённый пользователь»).
"""

from __future__ import annotations

import json

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from community.accounts.models import DataExport, Profile
from community.catalog.models import Purchase

DELETED_NAME = "Удалённый пользователь"


class AccountError(Exception):
    """A refused account action, with a message for the user."""


def data_export_request(*, user) -> DataExport:
    """Ask for an export (one being prepared at a time); the worker builds it."""
    from community.accounts import tasks

    with transaction.atomic():
        pending = DataExport.objects.select_for_update().filter(user=user, state=DataExport.State.PENDING).first()
        if pending is not None:
            return pending
        export = DataExport.objects.create(user=user)
        tasks.build_data_export.enqueue(export.pk)
    return export


def collect(user) -> dict:
    """Everything the site holds about ``user``, as JSON-ready data."""
    profile = Profile.objects.filter(user=user).first()
    data = {
        "account": {"username": user.get_username(), "email": user.email, "date_joined": user.date_joined,
                    "last_login": user.last_login},
        "email_addresses": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "profile": {"display_name": profile.display_name, "about": profile.about, "reputation": profile.reputation,
                    "level": profile.level, "expert_categories": profile.expert_categories,
                    "public": profile.public} if profile else {},
        "purchases": list(Purchase.objects.filter(user=user).values("order_ref", "product__title", "purchased_at")),
    }
    for hook in hooks.get_hooks("personal_data"):
        data.update(hook(user) or {})
    return data


def data_export_build(export_id: int) -> DataExport | None:
    """Build a pending export (idempotent: a ready one is left as it is)."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.state == DataExport.State.READY:
        return export
    content = json.dumps({"exported_at": timezone.now(), **collect(export.user)}, cls=DjangoJSONEncoder,
                         ensure_ascii=False, indent=2)
    DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.READY, finished=timezone.now(),
                                                   content=content)
    export.refresh_from_db()
    return export


def account_delete(*, user, password: str):
    """Delete the acting user's account after checking their password: personal data erased,
    content kept under «Удалённый пользователь», the user row kept (inactive) so that
    reputation rows and authorship stay consistent; every session ends."""
    if not user.is_authenticated or not user.check_password(password or ""):
        raise AccountError(_("The password is not correct."))
    user_model = get_user_model()
    with transaction.atomic():
        locked = user_model.objects.select_for_update().get(pk=user.pk)
        for hook in hooks.get_hooks("account_erase"):
            hook(locked)
        EmailAddress.objects.filter(user=locked).delete()
        DataExport.objects.filter(user=locked).delete()
        Profile.objects.filter(user=locked).update(display_name=DELETED_NAME, about="", avatar="",
                                                   email_verified=False)
        locked.username = f"deleted-{locked.pk}"
        locked.email = ""
        locked.first_name = locked.last_name = ""
        locked.is_active = False
        locked.set_unusable_password()
        # A new (unusable) password changes the session hash: every session of the account ends.
        locked.save()
    return locked
