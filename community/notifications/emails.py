"""Email: one message per immediate notification, daily and weekly digests, one-click unsubscribe.

Every message is HTML + plain text in the recipient's language, goes only to a confirmed
primary address, and carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058) with
a signed token scoped to one user and one kind (or one digest period). Sending records its
outcome on the notification (``email_status``); a message is sent at least once: a worker
killed between the SMTP call and the update sends it again on the retry.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.notifications.kinds import get_kind
from community.notifications.models import (
    DigestRun,
    EmailStatus,
    Frequency,
    MailSettings,
    Notification,
    NotificationPreference,
)

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
#: Unsubscribe links keep working for a year after the email.
UNSUBSCRIBE_MAX_AGE = 365 * 24 * 3600
DIGEST_SCOPE = "digest:"


class TokenError(Exception):
    """A forged, damaged or expired token; ``str(error)`` is the message to show."""


def unsubscribe_token(*, user_id: int, scope: str) -> str:
    return signing.dumps({"u": user_id, "k": scope}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenError(_("This unsubscribe link has expired. Change your email settings in your account.")) from None
    except signing.BadSignature:
        raise TokenError(_("This unsubscribe link is not valid. Change your email settings in your account.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        raise TokenError(_("This unsubscribe link is not valid. Change your email settings in your account."))
    return data["u"], data["k"]


def unsubscribe(*, token: str) -> tuple[object, str]:
    """Stop the email the token names: one kind (→ «не присылать») or a digest period (every kind
    sent in that digest → «не присылать»). Returns (user, scope)."""
    user_id, scope = read_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise TokenError(_("This unsubscribe link is not valid. Change your email settings in your account."))
    from community.notifications.kinds import all_kinds

    with transaction.atomic():
        if scope.startswith(DIGEST_SCOPE):
            period = scope[len(DIGEST_SCOPE):]
            frequencies = effective_frequencies(user)
            kinds = [key for key, frequency in frequencies.items() if frequency == period]
        else:
            kinds = [kind.key for kind in all_kinds() if kind.key == scope]
            if not kinds:
                raise TokenError(_("This unsubscribe link is not valid. Change your email settings in your account."))
        for key in kinds:
            NotificationPreference.objects.update_or_create(user=user, kind=key,
                                                            defaults={"frequency": Frequency.NEVER})
        Notification.objects.filter(recipient=user, kind__in=kinds,
                                    email_status__in=[EmailStatus.PENDING, EmailStatus.DIGEST]).update(
            email_status=EmailStatus.SKIPPED)
    return user, scope


def effective_frequencies(user) -> dict[str, str]:
    from community.notifications.kinds import all_kinds

    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "frequency"))
    return {kind.key: chosen.get(kind.key, kind.default_frequency) for kind in all_kinds()}


def confirmed_address(user, *, inactive_ok: bool = False) -> str | None:
    """The user's primary address if it is confirmed; nothing is sent to an unconfirmed one, nor
    to a deactivated account unless ``inactive_ok`` (account notices such as a ban)."""
    if not user.is_active and not inactive_ok:
        return None
    return (EmailAddress.objects.filter(user=user, verified=True, primary=True)
            .values_list("email", flat=True).first())


def language_of(user) -> str:
    return (MailSettings.objects.filter(user=user).values_list("language", flat=True).first()
            or settings.LANGUAGE_CODE)


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def _message(*, user, address: str, subject: str, template: str, context: dict, scope: str) -> EmailMultiAlternatives:
    token = unsubscribe_token(user_id=user.pk, scope=scope)
    unsubscribe_url = _absolute(reverse("notifications:unsubscribe", args=[token]))
    context = {**context, "user": user, "unsubscribe_url": unsubscribe_url, "site_url": settings.SITE_URL,
               "settings_url": _absolute(reverse("notifications:settings"))}
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[address],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string(f"notifications/email/{template}.html", context), "text/html")
    return message


def _item(notification: Notification) -> dict:
    kind = get_kind(notification.kind)
    item = {"text": kind.render(notification.params), "url": _absolute(notification.url),
            "created": notification.created, "kind": kind}
    if notification.params.get("token") and notification.kind == "notifications.review_request":
        base = _absolute(reverse("notifications:review_stars", args=[notification.params["token"]]))
        item["stars"] = [(n, f"{base}?rating={n}") for n in range(1, 6)]
    return item


def send_immediate(notification_ids: list[int]) -> int:
    """Send each notification still waiting for its immediate email; returns how many were sent.
    An SMTP failure is recorded on the notification and raised (the task retries it)."""
    sent = 0
    pending = (Notification.objects.filter(pk__in=notification_ids, email_status=EmailStatus.PENDING, withdrawn=False)
               .select_related("recipient").order_by("pk"))
    failure: Exception | None = None
    for notification in pending:
        user = notification.recipient
        address = confirmed_address(user, inactive_ok=get_kind(notification.kind).reaches_inactive)
        if address is None:
            Notification.objects.filter(pk=notification.pk).update(
                email_status=EmailStatus.SKIPPED, email_error="no confirmed address")
            continue
        with translation.override(language_of(user)):
            item = _item(notification)
            message = _message(user=user, address=address, subject=str(item["text"]),
                               template=item["kind"].email_template, context={"item": item}, scope=notification.kind)
        try:
            message.send()
        except Exception as error:  # SMTP and network errors: recorded, then retried by the task
            Notification.objects.filter(pk=notification.pk).update(email_error=f"{type(error).__name__}: {error}"[:300])
            failure = error
            continue
        Notification.objects.filter(pk=notification.pk, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.SENT, emailed_at=timezone.now(), email_error="")
        sent += 1
    if failure is not None:
        raise failure
    return sent


def digest_window(period: str, now: datetime) -> date:
    today = timezone.localdate(now)
    return today if period == Frequency.DAILY else today - timedelta(days=today.weekday())


DIGEST_CHUNK = 500


def send_digests(*, period: str, now: datetime | None = None) -> dict[str, int]:
    """Send this window's digest to everyone with notifications waiting for it. Idempotent: a
    user's digest for a window is recorded (``DigestRun``) and its items marked sent, so a
    second run sends nothing new. Works in chunks of users with a fixed number of queries each
    and one SMTP connection per chunk."""
    if period not in (Frequency.DAILY, Frequency.WEEKLY):
        raise ValueError(period)
    now = now or timezone.now()
    window = digest_window(period, now)
    figures = {"users": 0, "sent": 0, "items": 0, "skipped": 0, "failed": 0}
    user_ids = sorted(set(Notification.objects.filter(email_status=EmailStatus.DIGEST, created__lte=now)
                          .values_list("recipient_id", flat=True)))
    for start in range(0, len(user_ids), DIGEST_CHUNK):
        _send_digest_chunk(user_ids[start:start + DIGEST_CHUNK], period=period, window=window, now=now,
                           figures=figures)
    return figures


def _send_digest_chunk(user_ids: list[int], *, period: str, window: date, now: datetime, figures: dict) -> None:
    from community.notifications.kinds import all_kinds

    defaults = {kind.key: kind.default_frequency for kind in all_kinds()}
    done = set(DigestRun.objects.filter(user_id__in=user_ids, period=period, window=window,
                                        status__in=[EmailStatus.SENT, EmailStatus.SKIPPED])
               .values_list("user_id", flat=True))
    user_ids = [user_id for user_id in user_ids if user_id not in done]
    users = get_user_model().objects.in_bulk(user_ids)
    chosen: dict[int, dict[str, str]] = {}
    for user_id, kind, frequency in NotificationPreference.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "kind", "frequency"):
        chosen.setdefault(user_id, {})[kind] = frequency
    addresses = dict(EmailAddress.objects.filter(user_id__in=user_ids, verified=True, primary=True)
                     .values_list("user_id", "email"))
    languages = dict(MailSettings.objects.filter(user_id__in=user_ids).values_list("user_id", "language"))
    waiting: dict[int, list[Notification]] = {}
    for item in (Notification.objects.filter(recipient_id__in=user_ids, email_status=EmailStatus.DIGEST,
                                              created__lte=now, withdrawn=False).order_by("created", "pk")):
        frequency = chosen.get(item.recipient_id, {}).get(item.kind, defaults.get(item.kind))
        if frequency == period:
            waiting.setdefault(item.recipient_id, []).append(item)
    DigestRun.objects.bulk_create([DigestRun(user_id=user_id, period=period, window=window) for user_id in waiting],
                                  ignore_conflicts=True)
    sent_users, sent_items, skipped_users, skipped_items = [], [], [], []
    messages = []
    for user_id, items in waiting.items():
        figures["users"] += 1
        user = users[user_id]
        address = addresses.get(user_id) if user.is_active else None
        if address is None:
            skipped_users.append(user_id)
            skipped_items += [item.pk for item in items]
            continue
        with translation.override(languages.get(user_id, settings.LANGUAGE_CODE)):
            subject = _("Your daily digest") if period == Frequency.DAILY else _("Your weekly digest")
            messages.append((user_id, [item.pk for item in items], _message(
                user=user, address=address, subject=str(subject), template="digest",
                context={"items": [_item(item) for item in items], "period": period}, scope=DIGEST_SCOPE + period)))
    if messages:
        with get_connection() as connection:
            for user_id, item_ids, message in messages:
                message.connection = connection
                try:
                    message.send()
                except Exception:  # SMTP: recorded as not sent; the next run tries again
                    logger.exception("digest for user %s not sent", user_id)
                    figures["failed"] += 1
                    continue
                sent_users.append(user_id)
                sent_items += item_ids
    with transaction.atomic():
        stamp = timezone.now()
        Notification.objects.filter(pk__in=sent_items, email_status=EmailStatus.DIGEST).update(
            email_status=EmailStatus.SENT, emailed_at=stamp)
        Notification.objects.filter(pk__in=skipped_items).update(email_status=EmailStatus.SKIPPED,
                                                                 email_error="no confirmed address")
        counts = {user_id: len(items) for user_id, items in waiting.items()}
        by_outcome: dict[tuple[str, int], list[int]] = {}
        for status, group in ((EmailStatus.SENT, sent_users), (EmailStatus.SKIPPED, skipped_users)):
            for user_id in group:
                by_outcome.setdefault((status, counts[user_id]), []).append(user_id)
        for (status, count), group in by_outcome.items():  # a few UPDATEs, not one per user
            DigestRun.objects.filter(user_id__in=group, period=period, window=window).update(status=status, items=count)
    figures["sent"] += len(sent_users)
    figures["skipped"] += len(skipped_users)
    figures["items"] += len(sent_items)
