"""The moderation state shared by every kind of user content, and flags.

Reviews, review photos, questions, answers and chat messages subclass
:class:`ModeratedContent`. Only ``published`` content is visible to others, counted in
aggregates, indexed for search and listed in sitemaps.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


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


def latest_change() -> Greatest:
    """When a piece was last changed — written, edited or moderated (hidden, removed…): the
    latest of the three, for ``ModeratedContent`` models with ``created`` and ``edited_at``. The
    sitemaps and the pages' versions (``community.seo``) read it; :func:`author_changes_index`
    is built on the very same expression, which is what lets the database use it."""
    return Greatest(Coalesce("moderated_at", "created"), Coalesce("edited_at", "created"))


def author_changes_index(name: str) -> models.Index:
    """An author's published pieces by their latest change, newest first: a public profile's
    version (``community.accounts.sitemaps.profile_version``) reads the newest one in one probe
    per kind of content. Without it the database read every published piece of the author's
    (16–21 ms a profile for prolific authors at 200,000 questions, ``bench.plans``)."""
    return models.Index(models.F("author"), latest_change().desc(), name=name,
                        condition=models.Q(status=Status.PUBLISHED))


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


# --- the one queue, decisions on record, and sanctions on users -----------------------------------


class QueueReason(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    FLAGGED = "flagged", _("Reported by users")
    APPEAL = "appeal", _("Appeal")
    RULE = "rule", _("Pre-moderation rule")
    SIGNAL = "signal", _("Fake-review signal")


class QueueItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)


class QueueItem(models.Model):
    """One piece of content awaiting a moderator's decision (one row per content, reopened as needed).

    A denormalised copy of what the queue shows — kind, author, product, excerpt, why it is here —
    kept by :mod:`community.moderation.queue` from the content's own state, so that the queue is
    one indexed query whatever the number of kinds; ``manage.py sync_moderation_queue --check``
    rebuilds it from the content.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("kind"), max_length=32, db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey("wagtailcore.Page", verbose_name=_("product"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey("wagtailcore.Page", verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    excerpt = models.CharField(_("excerpt"), max_length=300, blank=True)
    content_status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    content_created = models.DateTimeField(_("written"))
    reasons = models.JSONField(_("why it is here"), default=list, blank=True,
                               help_text=_("[{\"code\": …, \"text\": …, \"evidence\": …}]"))
    extra_reasons = models.JSONField(default=list, blank=True, editable=False,
                                     help_text="Reasons raised by rules and signals, kept while the item is open.")
    reason_codes = models.CharField(max_length=100, blank=True, editable=False)
    raised_keys = models.JSONField(default=list, blank=True, editable=False,
                                   help_text="Every rule or signal key ever raised here: a signal is raised once.")
    flag_count = models.PositiveIntegerField(_("open reports"), default=0)
    priority = models.FloatField(_("priority"), default=0.0)
    is_open = models.BooleanField(_("open"), default=True)
    opened_at = models.DateTimeField(_("in the queue since"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("claimed by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    objects = QueueItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("queue item")
        verbose_name_plural = _("queue items")
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="queue_item_per_content")]
        indexes = [
            models.Index(fields=["is_open", "opened_at", "id"], name="queue_oldest"),
            models.Index(fields=["is_open", "-priority", "opened_at"], name="queue_priority"),
            models.Index(fields=["author", "is_open"], name="queue_author"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}: {self.excerpt[:60]}"

    @property
    def content_key(self) -> tuple[int, int]:
        return (self.content_type_id, self.object_id)


class DecisionReason(models.TextChoices):
    """Why content was taken down: the list a moderator picks from (plus their own words)."""

    SPAM = "spam", _("Spam or advertising")
    OFFENSIVE = "offensive", _("Offensive or rude")
    OFF_TOPIC = "off_topic", _("Off topic")
    FAKE = "fake", _("Fake or misleading")
    PERSONAL_DATA = "personal_data", _("Personal data")
    DUPLICATE = "duplicate", _("Duplicate")
    RULES = "rules", _("Breaks the community rules")
    OTHER = "other", _("Other")


class DecisionAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    HIDE = "hide", _("Hide")
    REMOVE = "remove", _("Remove")
    RESTORE = "restore", _("Restore")
    DISMISS = "dismiss", _("Dismiss reports")


class Decision(models.Model):
    """A moderation decision on one piece of content, kept on record.

    It names the content by type and id (no foreign key), so it — and the strike it carries —
    survives the content's deletion by its author. The author sees it in their account.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("kind"), max_length=32)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="moderation_decisions")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("moderator"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("decision"), max_length=16, choices=DecisionAction.choices)
    reason_code = models.CharField(_("reason"), max_length=32, blank=True)
    reason = models.TextField(_("explanation"), blank=True)
    excerpt = models.CharField(_("excerpt"), max_length=300, blank=True)
    previous_status = models.CharField(_("previous status"), max_length=16, blank=True)
    status = models.CharField(_("new status"), max_length=16, blank=True)
    flags = models.JSONField(_("reports"), default=list, blank=True,
                             help_text=_("The reports this decision resolved: [{\"reason\", \"text\", \"upheld\"}]."))
    strike = models.BooleanField(_("strike"), default=False,
                                 help_text=_("Upheld a spam or offensive report against the author."))
    created = models.DateTimeField(_("decided"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["author", "strike"], name="decision_author_strike"),
            models.Index(fields=["content_type", "object_id"], name="decision_content"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.excerpt[:60]}"


class SanctionKind(models.TextChoices):
    MUTE = "mute", _("Mute (cannot post)")
    BAN = "ban", _("Ban (cannot sign in)")


class SanctionQuerySet(models.QuerySet):
    def in_force(self, now=None):
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(models.Q(until__isnull=True) | models.Q(until__gt=now))


class Sanction(models.Model):
    """A site-wide mute (no posting until ``until``) or ban (no signing in) of one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="sanctions")
    kind = models.CharField(_("kind"), max_length=8, choices=SanctionKind.choices)
    reason = models.TextField(_("reason"))
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until lifted."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("since"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lifted by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    lift_reason = models.TextField(_("why lifted"), blank=True)

    objects = SanctionQuerySet.as_manager()

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "kind", "lifted_at"], name="sanction_user_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user}"


class Appeal(models.Model):
    """An author's appeal against a decision: once per decision; the answer to it is final."""

    decision = models.OneToOneField(Decision, verbose_name=_("decision"), on_delete=models.CASCADE,
                                    related_name="appeal")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE,
                               related_name="moderation_appeals")
    text = models.TextField(_("appeal"), max_length=2000)
    created = models.DateTimeField(_("appealed"), default=timezone.now)
    resolved_at = models.DateTimeField(_("answered"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    granted = models.BooleanField(_("granted"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:60]}"


@register_setting(icon="warning")
class ModerationRules(BaseGenericSetting):
    """Pre-moderation rules (Settings → «Правила модерации»): which new content waits for a
    moderator, and why. Each rule that matches is shown in the queue as the item's reason."""

    premoderate_first = models.PositiveIntegerField(
        _("pre-moderate a new user's first contributions"), null=True, blank=True,
        help_text=_("How many of a new user's first reviews, questions and answers wait for a moderator (0: none; "
                    "empty: the server's MODERATION_PREMODERATE_FIRST)."))
    auto_hide_flags = models.PositiveIntegerField(
        _("hide after reports from this many trusted users"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Empty: the server's MODERATION_AUTO_HIDE_FLAGS."))
    links_from_newcomers = models.BooleanField(_("pre-moderate links from Newcomers"), default=False)
    contacts_in_text = models.BooleanField(_("pre-moderate phone numbers and e-mail addresses in text"), default=False)
    repeated_text = models.BooleanField(
        _("pre-moderate text repeated verbatim from another account"), default=False,
        help_text=_("Text of six words or more that another account posted within MODERATION_SAME_TEXT_HOURS "
                    "(case, «ё» and punctuation aside) waits for a moderator."))
    stop_words = models.TextField(
        _("stop words"), blank=True, help_text=_("One word or phrase per line; text containing any waits for a moderator."))
    moderate_all_in = models.ManyToManyField(
        "wagtailcore.Page", verbose_name=_("moderate everything in these categories"), blank=True, related_name="+",
        help_text=_("Top-level categories where every new contribution waits for a moderator."))

    panels = [
        FieldPanel("premoderate_first"),
        FieldPanel("auto_hide_flags"),
        FieldPanel("links_from_newcomers"),
        FieldPanel("contacts_in_text"),
        FieldPanel("repeated_text"),
        FieldPanel("stop_words"),
        FieldPanel("moderate_all_in", widget=forms.CheckboxSelectMultiple),
    ]

    class Meta:
        verbose_name = _("moderation rules")

    def __str__(self) -> str:
        return str(_("moderation rules"))


class BanHold(models.Model):
    """One piece of content a ban hid, with what it was before: lifting that ban puts back
    exactly these (those nobody has decided on since), never content hidden for another reason."""

    sanction = models.ForeignKey(Sanction, verbose_name=_("ban"), on_delete=models.CASCADE, related_name="holds")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    previous_status = models.CharField(_("status before the ban"), max_length=16, choices=Status.choices)
    previous_moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")
    previous_moderated_at = models.DateTimeField(null=True, blank=True)
    previous_reason = models.TextField(blank=True)
    hidden_at = models.DateTimeField(_("hidden"), help_text=_("The content's moderated_at stamp set by the ban."))
    restored_at = models.DateTimeField(_("restored"), null=True, blank=True)

    class Meta:
        verbose_name = _("content hidden by a ban")
        verbose_name_plural = _("content hidden by bans")
        constraints = [models.UniqueConstraint(fields=["sanction", "content_type", "object_id"],
                                               name="ban_hold_per_content")]
        indexes = [models.Index(fields=["content_type", "object_id"], name="ban_hold_content")]

    def __str__(self) -> str:
        return f"{self.content_type_id}#{self.object_id} ({self.previous_status})"


class TextFingerprint(models.Model):
    """The normalised text of one piece of content, hashed: what the "same text across accounts"
    signal compares (:mod:`community.moderation.same_text`). Derived data, written when the
    content is created, dropped with it."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=40)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="fingerprint_per_content")]
        indexes = [models.Index(fields=["digest", "created"], name="fingerprint_digest_created")]

    def __str__(self) -> str:
        return f"{self.digest[:12]} ({self.content_type_id}#{self.object_id})"
