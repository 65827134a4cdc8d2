"""The moderation state shared by every kind of user content, and flags.

Reviews, review photos, questions, answers and chat messages subclass
:class:`ModeratedContent`. Only ``published`` content is visible to others, counted in
aggregates, indexed for search and listed in sitemaps.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden")
    REMOVED = "removed", _("Removed")
    REJECTED = "rejected", _("Rejected")


class Action(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    HIDE = "hide", _("Hide")
    REMOVE = "remove", _("Remove")
    RESTORE = "restore", _("Restore")


# Which status each action leads to, and from which statuses it may be taken.
TRANSITIONS: dict[str, tuple[str, frozenset[str]]] = {
    Action.APPROVE: (Status.PUBLISHED, frozenset({Status.PENDING, Status.HIDDEN, Status.REJECTED})),
    Action.REJECT: (Status.REJECTED, frozenset({Status.PENDING})),
    Action.HIDE: (Status.HIDDEN, frozenset({Status.PENDING, Status.PUBLISHED})),
    Action.REMOVE: (Status.REMOVED, frozenset({Status.PENDING, Status.PUBLISHED, Status.HIDDEN, Status.REJECTED})),
    Action.RESTORE: (Status.PUBLISHED, frozenset({Status.HIDDEN, Status.REMOVED})),
}


class ModeratedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Published content, plus the user's own pending content (marked in templates)."""
        if user is None or not user.is_authenticated:
            return self.published()
        return self.filter(
            models.Q(status=Status.PUBLISHED) | models.Q(status=Status.PENDING, author=user)
        )


class ModeratedContent(models.Model):
    """Abstract base for user content under moderation. Subclasses define ``author``."""

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderation_reason = models.TextField(_("reason"), blank=True)
    flag_count = models.PositiveIntegerField(_("flags"), default=0)

    objects = ModeratedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_pending(self) -> bool:
        return self.status == Status.PENDING

    @property
    def is_removed(self) -> bool:
        return self.status == Status.REMOVED

    def moderation_title(self) -> str:
        """A short label for the moderation queue and the audit log."""
        return str(self)


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    OFFENSIVE = "offensive", _("Offensive")
    OFF_TOPIC = "off_topic", _("Off topic")
    FAKE = "fake", _("Misleading information")
    PERSONAL_DATA = "personal_data", _("Personal data")
    OTHER = "other", _("Other")


class FlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved=False)

    def for_content(self, content: models.Model):
        return self.filter(
            content_type=ContentType.objects.get_for_model(content, for_concrete_model=False),
            object_id=content.pk,
        )


class Flag(models.Model):
    """A user's report that some content breaks the rules. One per (content, reporter)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content = GenericForeignKey("content_type", "object_id")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.CASCADE,
        related_name="flags_made",
    )
    reason = models.CharField(_("reason"), max_length=32, choices=FlagReason.choices)
    text = models.TextField(_("comment"), blank=True, max_length=1000)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    resolved = models.BooleanField(_("resolved"), default=False, db_index=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created"]
        permissions = [("moderate_content", _("Can moderate user content"))]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reporter"], name="flag_one_per_reporter"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.content_type.name} #{self.object_id}"
