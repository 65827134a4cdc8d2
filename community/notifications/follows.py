"""Follows of products and the waiting list («Сообщить о поступлении»): write paths.

Following a question is Q&A's own (``QuestionFollow``: asking and «У меня тот же вопрос» follow
automatically); products are followed here. A waiting-list entry of a signed-in user with a
confirmed address is confirmed at once; any other address is confirmed by a signed link sent by
the worker. When the shop's stock feed marks the product in stock, every confirmed entry is told
once and closed (:func:`waiting_list_notify`, run by a task enqueued in the feed's transaction).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.catalog.models import ProductPage
from community.notifications.emails import TokenError, confirmed_address
from community.notifications.kinds import Announcement
from community.notifications.models import ProductFollow, WaitingListEntry
from community.notifications.services import NotificationError, announce

CONFIRM_SALT = "notifications.waiting_list"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def product_follow(*, user, product: ProductPage, follow: bool = True) -> bool:
    """Start or stop following ``product``; returns whether ``user`` follows it now (idempotent)."""
    if not user.is_authenticated:
        raise NotificationError(_("Log in to follow products."))
    if not product.live:
        raise NotificationError(_("This product is not available."))
    with transaction.atomic():
        if follow:
            ProductFollow.objects.get_or_create(user=user, product=product)
        else:
            ProductFollow.objects.filter(user=user, product=product).delete()
    return follow


def product_follower_ids(product_id: int) -> list[int]:
    return list(ProductFollow.objects.filter(product_id=product_id).values_list("user_id", flat=True))


def waiting_list_join(*, user, product: ProductPage, email: str = "", language: str = "") -> WaitingListEntry:
    """Put ``user`` (or, signed out, ``email``) on the product's waiting list.

    Raises :class:`NotificationError` with a message for the visitor: the product is in stock,
    the address is not valid, or it is already on the list (nothing is duplicated; an
    unconfirmed entry gets its confirmation link again).
    """
    from community.notifications import tasks

    if not product.live:
        raise NotificationError(_("This product is not available."))
    if product.in_stock:
        raise NotificationError(_("This product is in stock: you can order it now."))
    confirmed = confirmed_address(user) if user.is_authenticated else None
    email = (confirmed or email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise NotificationError(_("Enter a valid email address.")) from None
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with transaction.atomic():
        entry = (WaitingListEntry.objects.select_for_update()
                 .filter(product=product, email=email, notified_at__isnull=True).first())
        if entry is not None and entry.is_confirmed:
            raise NotificationError(_("This address is already on the waiting list for this product."))
        if entry is None:
            try:
                with transaction.atomic():
                    entry = WaitingListEntry.objects.create(
                        product=product, email=email, language=language,
                        user=user if user.is_authenticated else None,
                        confirmed_at=timezone.now() if confirmed else None)
            except IntegrityError:  # a concurrent request added the same address
                raise NotificationError(_("This address is already on the waiting list for this product.")) from None
        if not entry.is_confirmed:
            tasks.send_waiting_list_confirmation.enqueue(entry.pk)
    return entry


def waiting_list_token(entry: WaitingListEntry) -> str:
    return signing.dumps({"w": entry.pk, "e": entry.email}, salt=CONFIRM_SALT)


def waiting_list_confirm_check(*, token: str) -> None:
    """Raise :class:`TokenError` unless ``token`` is a valid, current confirmation token."""
    _read_confirm_token(token)


def _read_confirm_token(token: str) -> dict:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenError(_("This confirmation link has expired. Ask to be told about the product again.")) from None
    except signing.BadSignature:
        raise TokenError(_("This confirmation link is not valid.")) from None
    if not isinstance(data, dict):
        raise TokenError(_("This confirmation link is not valid."))
    return data


def waiting_list_confirm(*, token: str) -> WaitingListEntry:
    data = _read_confirm_token(token)
    with transaction.atomic():
        entry = (WaitingListEntry.objects.select_for_update().select_related("product")
                 .filter(pk=data.get("w"), email=data.get("e"), notified_at__isnull=True).first())
        if entry is None:
            raise TokenError(_("This confirmation link is not valid."))
        if entry.confirmed_at is None:
            entry.confirmed_at = timezone.now()
            entry.save(update_fields=["confirmed_at"])
    return entry


def waiting_list_leave(*, user, entry_id: int) -> None:
    deleted, _rows = WaitingListEntry.objects.filter(pk=entry_id, user_id=user.pk, notified_at__isnull=True).delete()
    if not deleted:
        raise NotificationError(_("No such waiting list entry."))


def send_confirmation(entry_id: int) -> bool:
    """Email the confirmation link of an unconfirmed entry (the task's work)."""
    entry = WaitingListEntry.objects.select_related("product").filter(
        pk=entry_id, confirmed_at__isnull=True, notified_at__isnull=True).first()
    if entry is None:
        return False
    url = settings.SITE_URL + reverse("notifications:waiting_confirm", args=[waiting_list_token(entry)])
    with translation.override(entry.language):
        context = {"product": entry.product.title, "url": url}
        subject = _("Confirm your address")
        message = EmailMultiAlternatives(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            body=render_to_string("notifications/email/waiting_confirm.txt", context), to=[entry.email])
        message.attach_alternative(render_to_string("notifications/email/waiting_confirm.html", context), "text/html")
    message.send()
    return True


def waiting_list_notify(product_id: int) -> int:
    """Tell every confirmed open entry of an in-stock product, once, and close the entries:
    users get a notification (and its email at their frequency), addresses without an account
    an email. Idempotent: closed entries are never told again."""
    product = ProductPage.objects.filter(pk=product_id).first()
    if product is None or not product.in_stock:
        return 0
    told = 0
    with transaction.atomic():  # users: notified in the same transaction that closes their entries
        entries = list(WaitingListEntry.objects.select_for_update()
                       .filter(product_id=product_id, confirmed_at__isnull=False, notified_at__isnull=True))
        users = [entry.user_id for entry in entries if entry.user_id]
        if users:
            announce([Announcement(kind="notifications.back_in_stock", cause=f"product:{product_id}:{entry.pk}",
                                   url=product.url, recipient_ids=[entry.user_id], params={"product": product.title})
                      for entry in entries if entry.user_id])
        WaitingListEntry.objects.filter(pk__in=[e.pk for e in entries if e.user_id]).update(
            notified_at=timezone.now())
        told += len(users)
    # Addresses without an account: each entry is closed once its email went out (a failure
    # leaves the rest open, and the task's next run tells them).
    for entry in entries:
        if entry.user_id:
            continue
        with translation.override(entry.language):
            context = {"product": product.title, "url": settings.SITE_URL + product.url}
            subject = _("Back in stock: %(product)s") % context
            message = EmailMultiAlternatives(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
                body=render_to_string("notifications/email/back_in_stock.txt", context), to=[entry.email])
            message.attach_alternative(render_to_string("notifications/email/back_in_stock.html", context),
                                       "text/html")
        message.send()
        WaitingListEntry.objects.filter(pk=entry.pk, notified_at__isnull=True).update(notified_at=timezone.now())
        told += 1
    return told
