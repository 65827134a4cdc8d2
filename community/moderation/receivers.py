"""Receivers of the moderation app: the moderators' group exists after every migrate, and the
queue (and the "same text across accounts" signal) follows every registered kind's saves and
deletions."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver
from django.utils import timezone

from community.moderation.apps import ensure_moderators_group


@receiver(post_migrate, dispatch_uid="moderation.ensure_moderators_group")
def moderators_group_after_migrate(sender, **kwargs) -> None:
    """Once per ``migrate``: when the moderation app's own ``post_migrate`` is sent."""
    if getattr(sender, "label", None) == "moderation":
        ensure_moderators_group()


def content_saved(sender, instance, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    """New content, an edit or a status change: the queue item follows (the services sync the
    rest — flags, decisions — themselves). Counter-only saves are skipped."""
    if raw:
        return
    if created:
        from community.moderation.same_text import same_text_check

        same_text_check(instance)  # may raise its queue item itself
    if update_fields is not None and "status" not in update_fields:
        return
    if created and instance.status != "pending" and not instance.flag_count:
        return  # published at once (chat lines, trusted authors): nothing (more) to queue, no query
    from community.moderation.queue import queue_sync

    queue_sync(instance)


def content_deleted(sender, instance, **kwargs) -> None:
    """Deleted content leaves the queue (and the text comparison); its decisions and reports stay
    on record."""
    from community.moderation.models import QueueItem
    from community.moderation.same_text import fingerprint_forget

    fingerprint_forget(instance)
    ct = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    QueueItem.objects.filter(content_type=ct, object_id=instance.pk, is_open=True).update(
        is_open=False, resolved_at=timezone.now(), claimed_by=None, claimed_at=None)


def connect_content_receivers() -> None:
    from community.moderation.services import moderated_models

    for model in moderated_models():
        post_save.connect(content_saved, sender=model, dispatch_uid=f"moderation.queue.{model._meta.label}")
        post_delete.connect(content_deleted, sender=model, dispatch_uid=f"moderation.queue_gone.{model._meta.label}")
