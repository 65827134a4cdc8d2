"""Profiles of the community's users."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NEWCOMER = "newcomer", _("Newcomer")
    MEMBER = "member", _("Member")
    TRUSTED = "trusted", _("Connoisseur")


class Profile(models.Model):
    """Public face of a user: the name shown beside their contributions, avatar and about.

    ``reputation``, ``level`` and ``expert_categories`` are a denormalised copy kept by the
    experts app (from its ledger, in the same transaction), so that every author name on
    every page shows its level and Expert badges without extra queries.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    about = models.TextField(_("about"), max_length=1000, blank=True)
    email_verified = models.BooleanField(_("email verified"), default=False)
    reputation = models.PositiveIntegerField(_("reputation"), default=1)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.NEWCOMER)
    public = models.BooleanField(
        _("public profile"), default=True,
        help_text=_("Off: the profile page is not shown to others, not listed in the sitemap, and the name "
                    "beside contributions is not a link."),
    )
    expert_categories = models.JSONField(
        _("Expert in"), default=list, blank=True,
        help_text=_("Top-level categories where the user is an Expert: [{\"id\": …, \"title\": …}]."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_username()

    @property
    def is_expert(self) -> bool:
        return bool(self.expert_categories)

    def is_expert_in(self, category_id: int | None) -> bool:
        return any(entry.get("id") == category_id for entry in self.expert_categories)

    @property
    def initials(self) -> str:
        return (self.name[:1] or "?").upper()


class DataExport(models.Model):
    """«Скачать мои данные»: a JSON file of everything the site holds about a user, built by the
    worker (``community.accounts.tasks.build_data_export``) and offered as a download link."""

    class State(models.TextChoices):
        PENDING = "pending", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    created = models.DateTimeField(_("requested"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    content = models.TextField(_("content"), blank=True, editable=False)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.state}"
