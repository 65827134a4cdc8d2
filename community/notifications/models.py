"""Notifications, per-kind email preferences and digest runs.

A notification is stored with the kind's key, plain parameters and the URL of the exact place;
its text is rendered when shown, in the reader's language, from the kind's message
(:mod:`community.notifications.kinds`). ``key`` is the idempotency key of its cause: the same
cause never notifies the same person twice.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("immediately")
    DAILY = "daily", _("once a day")
    WEEKLY = "weekly", _("once a week")
    NEVER = "never", _("never")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    DIGEST = "digest", _("waiting for the digest")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("not sent")
    FAILED = "failed", _("failed")


class NotificationQuerySet(models.QuerySet):
    def visible(self) -> NotificationQuerySet:
        """Not withdrawn (its content is not visible any more)."""
        return self.filter(withdrawn=False)

    def unread(self) -> NotificationQuerySet:
        return self.visible().filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    url = models.CharField(_("link"), max_length=500)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # The content it is about: a notification about content that stops being visible is withdrawn.
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_status = models.CharField(_("email"), max_length=16, choices=EmailStatus.choices,
                                    default=EmailStatus.PENDING)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    email_error = models.CharField(_("email error"), max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created"], name="notif_recipient_newest"),
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread"),
            models.Index(fields=["target_type", "target_id"], name="notif_target"),
            models.Index(fields=["email_status", "recipient"], name="notif_email_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How often one user wants email about one kind (only choices that differ from the default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=40)
    frequency = models.CharField(_("email"), max_length=16, choices=Frequency.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notif_preference_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.frequency}"


class MailSettings(models.Model):
    """The language a user reads email in (kept from the site's language when they save settings)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_settings")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("mail settings")
        verbose_name_plural = _("mail settings")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"


class DigestRun(models.Model):
    """One digest of one user for one period window: a second run finds it and sends nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=16, choices=Frequency.choices)
    window = models.DateField(_("window"))
    created = models.DateTimeField(_("created"), default=timezone.now)
    items = models.PositiveIntegerField(_("items"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [models.UniqueConstraint(fields=["user", "period", "window"], name="notif_digest_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period} {self.window}"


class ProductFollow(models.Model):
    """A user who wants to hear about new reviews and questions on a product."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="product_follows")
    product = models.ForeignKey("catalog.ProductPage", verbose_name=_("product"), on_delete=models.CASCADE,
                                related_name="follows")
    created = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("product follow")
        verbose_name_plural = _("product follows")
        constraints = [models.UniqueConstraint(fields=["product", "user"], name="notif_product_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.product_id}"


class WaitingListEntry(models.Model):
    """«Сообщить о поступлении»: someone (signed in, or an email address confirmed by a link) told
    once when an out-of-stock product is back; the entry is then closed (``notified_at``)."""

    product = models.ForeignKey("catalog.ProductPage", verbose_name=_("product"), on_delete=models.CASCADE,
                                related_name="waiting_list")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="waiting_list")
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    created = models.DateTimeField(_("created"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    notified_at = models.DateTimeField(_("told"), null=True, blank=True)

    class Meta:
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list")
        constraints = [models.UniqueConstraint(fields=["product", "email"], condition=models.Q(notified_at__isnull=True),
                                               name="notif_waiting_once_per_address")]
        indexes = [models.Index(fields=["product", "notified_at"], name="notif_waiting_open")]

    def __str__(self) -> str:
        return f"{self.email} → {self.product_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ReviewRequest(models.Model):
    """«Как вам <товар>? Оцените покупку»: at most one per purchase, sent N days after it."""

    purchase = models.OneToOneField("catalog.Purchase", on_delete=models.CASCADE, related_name="review_request")
    created = models.DateTimeField(_("created"), default=timezone.now)
    sent = models.BooleanField(_("sent"), default=False,
                               help_text=_("False when it was skipped (already reviewed, or opted out)."))

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")

    def __str__(self) -> str:
        return f"{self.purchase_id}: {'sent' if self.sent else 'skipped'}"
