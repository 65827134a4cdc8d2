"""Receivers of the moderation app: the moderators' group exists after every migrate."""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver

from community.moderation.apps import ensure_moderators_group


@receiver(post_migrate, dispatch_uid="moderation.ensure_moderators_group")
def moderators_group_after_migrate(sender, **kwargs) -> None:
    """Once per ``migrate``: when the moderation app's own ``post_migrate`` is sent."""
    if getattr(sender, "label", None) == "moderation":
        ensure_moderators_group()
