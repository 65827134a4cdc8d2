"""Reputation and Experts: the rules (Wagtail settings), the append-only ledger, stored totals,
per-category Expert status, vote-fraud cases and badges.

Invariants (constraints here, kept by :mod:`experts.ledger` and :mod:`experts.services`):

* ``ReputationEvent`` rows are only ever added; the one change allowed is reversing a live
  event (``reversed_at`` + ``reversal_reason``). A vote changed, content removed, fraud found
  or a day's cap recomputed → the event is reversed and, where due, a new one is written.
  The exception is ``category``, where the product *is* now: a catalog move re-keys it
  (``product_category_changed`` → :func:`experts.services.reputation_for_category_moves`).
* At most one *live* event per (source content, actor, reason): retries cannot count twice.
* Nobody earns reputation from their own action (``actor`` ≠ ``user``).
* ``0 ≤ delta ≤ points`` for gains (the daily cap may lower them), ``delta = points`` for losses.
* ``ReputationTotal.points`` / ``CategoryReputation.points`` = the sum of the user's live
  deltas (in that category); ``Profile.reputation`` = ``max(floor, floor + points)`` ≥ 1 and
  ``Profile.level`` / ``Profile.expert_categories`` follow — all in the ledger's transaction;
  ``manage.py rebuild_reputation`` recomputes and proves them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.search import index

# --- the rules ---------------------------------------------------------------------------------


@register_setting(icon="pick")
class ReputationRules(BaseGenericSetting):
    """Every number of reputation, levels, Expert status and fraud detection (editable live)."""

    review_helpful = models.IntegerField(_("review voted helpful"), default=10, validators=[MinValueValidator(0)])
    review_unhelpful = models.IntegerField(_("review voted not helpful"), default=-2, validators=[MaxValueValidator(0)])
    answer_up = models.IntegerField(_("answer voted up"), default=10, validators=[MinValueValidator(0)])
    answer_down = models.IntegerField(_("answer voted down"), default=-2, validators=[MaxValueValidator(0)])
    answer_accepted = models.IntegerField(_("answer accepted (its author)"), default=15,
                                          validators=[MinValueValidator(0)])
    answer_accepted_asker = models.IntegerField(_("answer accepted (the asker)"), default=2,
                                                validators=[MinValueValidator(0)])
    question_up = models.IntegerField(_("question voted up (“same question”)"), default=5,
                                      validators=[MinValueValidator(0)])
    flag_upheld = models.IntegerField(
        _("upheld spam or offensive report"), default=-100, validators=[MaxValueValidator(0)],
        help_text=_("Charged once per piece of content a moderator takes down for spam or offence."),
    )
    daily_cap = models.PositiveIntegerField(
        _("daily cap"), default=200,
        help_text=_("At most this much reputation gained per user per calendar day (accepted answers are exempt)."),
    )
    floor = models.PositiveIntegerField(_("lowest reputation"), default=1, validators=[MinValueValidator(1)])
    member_at = models.PositiveIntegerField(_("Member from"), default=50)
    trusted_at = models.PositiveIntegerField(_("Connoisseur from"), default=500)

    expert_reputation = models.PositiveIntegerField(_("reputation earned in the category"), default=500)
    expert_voters = models.PositiveIntegerField(_("distinct voters"), default=10)
    expert_days = models.PositiveIntegerField(_("distinct days"), default=5)
    expert_reviews = models.PositiveIntegerField(_("published reviews in the category"), default=3)
    expert_wilson = models.FloatField(
        _("their lowest helpfulness score"), default=0.6, validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Wilson lower bound of helpful / all votes that each of those reviews needs."),
    )
    expert_strike_days = models.PositiveIntegerField(_("no upheld strike within (days)"), default=90)
    expert_grace_days = models.PositiveIntegerField(_("grace period (days)"), default=14)

    voter_min_age_hours = models.PositiveIntegerField(
        _("voters' accounts at least (hours old)"), default=24,
        help_text=_("Votes by younger accounts, or with an unconfirmed email, are recorded but carry no reputation."),
    )
    serial_votes = models.PositiveIntegerField(_("serial voting: votes"), default=10, validators=[MinValueValidator(2)])
    serial_window_hours = models.PositiveIntegerField(_("serial voting: within (hours)"), default=24)
    mutual_votes = models.PositiveIntegerField(
        _("mutual voting: up votes each way"), default=5, validators=[MinValueValidator(2)],
    )
    mutual_window_days = models.PositiveIntegerField(_("mutual voting: within (days)"), default=30)

    panels = [
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("review_helpful"), FieldPanel("review_unhelpful")]),
            FieldRowPanel([FieldPanel("answer_up"), FieldPanel("answer_down")]),
            FieldRowPanel([FieldPanel("answer_accepted"), FieldPanel("answer_accepted_asker")]),
            FieldRowPanel([FieldPanel("question_up"), FieldPanel("flag_upheld")]),
            FieldRowPanel([FieldPanel("daily_cap"), FieldPanel("floor")]),
        ], heading=_("Points")),
        MultiFieldPanel([FieldRowPanel([FieldPanel("member_at"), FieldPanel("trusted_at")])], heading=_("Levels")),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("expert_reputation"), FieldPanel("expert_voters"), FieldPanel("expert_days")]),
            FieldRowPanel([FieldPanel("expert_reviews"), FieldPanel("expert_wilson")]),
            FieldRowPanel([FieldPanel("expert_strike_days"), FieldPanel("expert_grace_days")]),
        ], heading=_("Expert status (per top-level category)")),
        MultiFieldPanel([
            FieldPanel("voter_min_age_hours"),
            FieldRowPanel([FieldPanel("serial_votes"), FieldPanel("serial_window_hours")]),
            FieldRowPanel([FieldPanel("mutual_votes"), FieldPanel("mutual_window_days")]),
        ], heading=_("Vote fraud")),
    ]

    class Meta:
        verbose_name = _("reputation rules")

    def __str__(self) -> str:
        return str(_("Reputation rules"))

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.trusted_at <= self.member_at:
            raise ValidationError({"trusted_at": _("Must be above the Member threshold.")})


# --- the ledger --------------------------------------------------------------------------------


class Reason(models.TextChoices):
    REVIEW_HELPFUL = "review_helpful", _("helpful review")
    REVIEW_UNHELPFUL = "review_unhelpful", _("review not helpful")
    ANSWER_UP = "answer_up", _("answer voted up")
    ANSWER_DOWN = "answer_down", _("answer voted down")
    ANSWER_ACCEPTED = "answer_accepted", _("answer accepted")
    ANSWER_ACCEPTED_ASKER = "answer_accepted_asker", _("accepted an answer")
    QUESTION_UP = "question_up", _("question voted up")
    FLAG_UPHELD = "flag_upheld", _("upheld report")


# Reasons that come from another person's vote or choice (they count as "voters" for Experts).
VOTE_REASONS = frozenset({
    Reason.REVIEW_HELPFUL, Reason.REVIEW_UNHELPFUL, Reason.ANSWER_UP, Reason.ANSWER_DOWN, Reason.QUESTION_UP,
})
ENDORSEMENT_REASONS = frozenset({Reason.REVIEW_HELPFUL, Reason.ANSWER_UP, Reason.QUESTION_UP, Reason.ANSWER_ACCEPTED})
# Gains the daily cap does not limit.
CAP_EXEMPT_REASONS = frozenset({Reason.ANSWER_ACCEPTED, Reason.ANSWER_ACCEPTED_ASKER})


class ReputationEventQuerySet(models.QuerySet):
    def live(self):
        return self.filter(reversed_at__isnull=True)

    def reversed(self):
        return self.filter(reversed_at__isnull=False)


class ReputationEvent(models.Model):
    """One entry of the append-only reputation ledger.

    ``points`` is what the rule gives; ``delta`` what the user actually got (the daily cap
    may lower a gain, down to 0). ``created`` is when the reputation was earned (the vote's
    time, kept when content is restored and its events replayed); ``recorded_at`` when the
    row was written. Reversal is the only change a row ever sees.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="reputation_events")
    # The descriptive references below are kept by Django (on_delete) but not by database
    # constraints: the ledger is written only by the engine from existing rows, and checking four
    # foreign keys per row would cost a million-event rebuild ~15 s at commit. ``user`` keeps its
    # constraint; the rules that matter (below) are all database constraints.
    category = models.ForeignKey("catalog.CategoryPage", verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    product = models.ForeignKey("catalog.ProductPage", verbose_name=_("product"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    points = models.IntegerField(_("points by the rules"))
    delta = models.IntegerField(_("change"))
    content_type = models.ForeignKey(ContentType, verbose_name=_("type of content"), on_delete=models.PROTECT,
                                     related_name="+", db_constraint=False)
    object_id = models.PositiveBigIntegerField(_("content id"))
    source = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="reputation_given", db_constraint=False)
    created = models.DateTimeField(_("earned at"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversal_reason = models.CharField(_("why reversed"), max_length=255, blank=True)

    objects = ReputationEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("reputation event")
        verbose_name_plural = _("reputation ledger")
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(actor=F("user")), name="experts_event_not_own_action"),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "actor", "reason"], condition=Q(reversed_at__isnull=True),
                name="experts_event_one_live_per_source_actor_reason",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reason"],
                condition=Q(reversed_at__isnull=True, actor__isnull=True),
                name="experts_event_one_live_per_source_reason_without_actor",
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0, delta__gte=0, delta__lte=F("points")) | Q(points__lt=0, delta=F("points")),
                name="experts_event_delta_within_points",
            ),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True) | ~Q(reversal_reason=""),
                name="experts_event_reversal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created"], name="experts_event_user_time"),
            models.Index(fields=["category", "created"], name="experts_event_category_time"),
            models.Index(fields=["content_type", "object_id"], name="experts_event_source"),
            models.Index(fields=["actor", "created"], name="experts_event_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.get_reason_display()} → {self.user_id}"

    @property
    def is_live(self) -> bool:
        return self.reversed_at is None

    @property
    def is_capped(self) -> bool:
        return self.delta != self.points

    def delete(self, *args, **kwargs):
        raise TypeError("The reputation ledger is append-only: reverse an event instead of deleting it.")


class ReputationTotal(models.Model):
    """A user's stored reputation: the sum of their live ledger deltas (may be below zero)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="reputation_total")
    points = models.IntegerField(_("sum of the ledger"), default=0)

    class Meta:
        verbose_name = _("reputation total")
        verbose_name_plural = _("reputation totals")
        indexes = [models.Index(fields=["-points"], name="experts_total_points")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.points}"


class CategoryReputation(models.Model):
    """A user's reputation earned in one top-level category: the sum of those live deltas."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="category_reputation")
    category = models.ForeignKey("catalog.CategoryPage", verbose_name=_("category"), on_delete=models.CASCADE,
                                 related_name="+")
    points = models.IntegerField(_("reputation"), default=0)

    class Meta:
        verbose_name = _("reputation in a category")
        verbose_name_plural = _("reputation by category")
        constraints = [models.UniqueConstraint(fields=["user", "category"], name="experts_category_rep_unique")]
        indexes = [models.Index(fields=["category", "-points"], name="experts_category_rep_rank")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.category_id}: {self.points}"

    @property
    def reputation(self) -> int:
        """What is shown: never below zero."""
        return max(0, self.points)


# --- Expert status -------------------------------------------------------------------------------


class Override(models.TextChoices):
    NONE = "", _("by the rules")
    GRANT = "grant", _("granted by a moderator")
    REVOKE = "revoke", _("revoked by a moderator")


class ExpertStatus(models.Model):
    """A user's Expert status in one top-level category, with its grace period and overrides.

    ``is_expert`` is what the site shows. By the rules it is gained when every criterion is met
    and lost when they have not been met for the grace period (``grace_until``). A moderator's
    override (with a required reason) pins it on or off until cleared.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="expert_statuses")
    category = models.ForeignKey("catalog.CategoryPage", verbose_name=_("category"), on_delete=models.CASCADE,
                                 related_name="+")
    is_expert = models.BooleanField(_("Expert"), default=False)
    since = models.DateTimeField(_("Expert since"), null=True, blank=True)
    grace_until = models.DateTimeField(
        _("grace until"), null=True, blank=True,
        help_text=_("The criteria are no longer met: the status is lost at this moment unless they are met again."),
    )
    override = models.CharField(_("override"), max_length=8, choices=Override.choices, default=Override.NONE,
                                blank=True)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("overridden by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    override_at = models.DateTimeField(_("overridden at"), null=True, blank=True)
    criteria = models.JSONField(_("last check"), default=dict, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Expert status")
        verbose_name_plural = _("Expert statuses")
        ordering = ["category__title", "-since"]
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="experts_status_unique"),
            models.CheckConstraint(condition=Q(override="") | ~Q(override_reason=""),
                                   name="experts_status_override_has_reason"),
            models.CheckConstraint(condition=Q(is_expert=True) | Q(grace_until__isnull=True),
                                   name="experts_status_grace_only_for_experts"),
        ]
        indexes = [models.Index(fields=["category", "is_expert"], name="experts_status_category")]

    def __str__(self) -> str:
        return f"{self.user} — {self.category}"

    @property
    def in_grace(self) -> bool:
        return self.is_expert and self.grace_until is not None


# --- vote fraud --------------------------------------------------------------------------------


class FraudKind(models.TextChoices):
    SERIAL = "serial", _("serial voting")
    MUTUAL = "mutual", _("mutual voting")


class FraudCase(models.Model):
    """Votes that ``detect_vote_fraud`` found and reversed, with the evidence."""

    kind = models.CharField(_("kind"), max_length=16, choices=FraudKind.choices)
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.CASCADE,
                              related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("voted for"), on_delete=models.CASCADE,
                               related_name="+")
    evidence = models.JSONField(_("evidence"), default=dict)
    votes_reversed = models.PositiveIntegerField(_("votes reversed"), default=0)
    created = models.DateTimeField(_("detected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote fraud case")
        verbose_name_plural = _("vote fraud cases")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}: {self.voter} → {self.author}"


class FraudulentVote(models.Model):
    """A vote that carries no reputation because a fraud case reversed it (kept if re-cast)."""

    case = models.ForeignKey(FraudCase, on_delete=models.CASCADE, related_name="votes")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("reversed vote")
        verbose_name_plural = _("reversed votes")
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id", "voter"],
                                               name="experts_fraudulent_vote_unique")]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.content_type_id}:{self.object_id}"


# --- badges ----------------------------------------------------------------------------------


class BadgeMetric(models.TextChoices):
    REVIEWS = "reviews", _("published reviews")
    PHOTO_REVIEWS = "photo_reviews", _("published reviews with photos")
    HELPFUL_VOTES = "helpful_votes", _("helpful votes received")
    HELPFUL_REVIEWS = "helpful_reviews", _("reviews voted helpful")
    ANSWERS = "answers", _("published answers")
    ACCEPTED_ANSWERS = "accepted_answers", _("accepted answers")
    REPUTATION = "reputation", _("reputation")
    EXPERT_CATEGORIES = "expert_categories", _("categories with Expert status")


class Badge(index.Indexed, models.Model):
    """A milestone badge: earned when ``metric`` reaches ``threshold`` (editable by staff)."""

    slug = models.SlugField(_("badge code"), max_length=64, unique=True)
    name = models.CharField(_("badge name"), max_length=80)
    description = models.CharField(_("description"), max_length=255)
    icon = models.CharField(_("icon"), max_length=8, default="★", help_text=_("One or two characters, e.g. ★ or ✔."))
    metric = models.CharField(_("what is counted"), max_length=32, choices=BadgeMetric.choices)
    threshold = models.PositiveIntegerField(_("from"), default=1, validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("awarded"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug"), FieldPanel("icon")]),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("metric"), FieldPanel("threshold")]),
        FieldRowPanel([FieldPanel("is_active"), FieldPanel("sort_order")]),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class UserBadge(models.Model):
    """A badge a user has earned; badges are kept once earned."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, verbose_name=_("badge"), on_delete=models.CASCADE, related_name="awards")
    awarded_at = models.DateTimeField(_("awarded at"))

    class Meta:
        verbose_name = _("awarded badge")
        verbose_name_plural = _("awarded badges")
        ordering = ["awarded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="experts_badge_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.badge_id}"
