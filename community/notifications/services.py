"""Write paths of notifications: announce (create, in the cause's transaction), read, withdraw,
preferences.

Lock order: a batched notification row is locked after the cause's own rows (the receivers run
inside the cause's transaction, after it locked what it changed).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from wagtail import hooks

from community import events
from community.notifications.kinds import Announcement, get_kind
from community.notifications.models import (
    EmailStatus,
    Frequency,
    MailSettings,
    Notification,
    NotificationPreference,
)
from community.user_counters import UserCounter

#: Announcements with more recipients than this are fanned out by a background task.
INLINE_LIMIT = 100
CHUNK = 1000
UNREAD_CACHE_SECONDS = 300


class NotificationError(Exception):
    """A refused notifications action, with a message for the user."""


# --- reading the unread counter (cached) ------------------------------------------------------

def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user_id: int | None) -> int:
    """Unread, visible notifications of a user: cached, so the header bell costs at most one
    query (none while cached); every write that changes it clears the cache after commit."""
    if not user_id:
        return 0
    value = cache.get(_unread_key(user_id))
    if value is None:
        value = Notification.objects.unread().filter(recipient_id=user_id).count()
        cache.set(_unread_key(user_id), value, UNREAD_CACHE_SECONDS)
    return value


def unread_counter() -> UserCounter:
    """The bell's counter (``user_counters`` hook): loaded with the header's others in one query."""
    from django.db.models import OuterRef

    return UserCounter(key=_unread_key, seconds=UNREAD_CACHE_SECONDS,
                       count=lambda: Notification.objects.unread().filter(recipient_id=OuterRef("pk")))


def cache_unread_counts(counts: dict[int, int]) -> None:
    cache.set_many({_unread_key(user_id): count for user_id, count in counts.items()}, UNREAD_CACHE_SECONDS)


def invalidate_unread(user_ids: Iterable[int]) -> None:
    cache.delete_many([_unread_key(user_id) for user_id in user_ids])


def _invalidate_now_and_after_commit(user_ids: Iterable[int]) -> None:
    """Clear the counters now (this request reads its own change) and again after commit (a
    concurrent request may have cached the old value in between)."""
    user_ids = list(user_ids)
    invalidate_unread(user_ids)
    transaction.on_commit(partial(invalidate_unread, user_ids))


# --- creating ---------------------------------------------------------------------------------

def frequencies_for(*, kind: str, user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's email frequency for ``kind`` (their choice, else the kind's default)."""
    default = get_kind(kind).default_frequency
    user_ids = list(user_ids)
    chosen = dict(NotificationPreference.objects.filter(kind=kind, user_id__in=user_ids)
                  .values_list("user_id", "frequency"))
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}


def _email_status(frequency: str) -> str:
    if frequency == Frequency.IMMEDIATE:
        return EmailStatus.PENDING
    if frequency == Frequency.NEVER:
        return EmailStatus.SKIPPED
    return EmailStatus.DIGEST


def _recipients(announcement: Announcement) -> list[int]:
    """Active recipients in a stable order (inactive ones too for a kind that
    ``reaches_inactive``), never the actor, minus those a hook excludes
    (``notification_recipient_filters``: ``(actor_id, ids) -> ids to drop``, e.g. blocks)."""
    wanted = {int(user_id) for user_id in announcement.recipient_ids} - {announcement.actor_id}
    if not wanted:
        return []
    users = get_user_model().objects.filter(pk__in=wanted)
    if not get_kind(announcement.kind).reaches_inactive:
        users = users.filter(is_active=True)
    active = set(users.values_list("pk", flat=True))
    if announcement.actor_id:
        for hook in hooks.get_hooks("notification_recipient_filters"):
            active -= set(hook(announcement.actor_id, active) or ())
    return sorted(active)


def announce(announcements: Iterable[Announcement]) -> None:
    """Create the notifications of ``announcements`` inside the current (cause's) transaction.

    Small audiences are written here and delivered after commit (live frame, email task);
    larger ones are fanned out by a task enqueued in this transaction, so it exists exactly when
    the cause commits. The idempotency key makes a repeated cause a no-op.
    """
    from community.notifications import tasks

    for announcement in announcements:
        recipient_ids = _recipients(announcement)
        if not recipient_ids:
            continue
        if len(recipient_ids) > INLINE_LIMIT:
            tasks.fan_out.enqueue(_serialize(announcement), recipient_ids)
            continue
        created = create_notifications(announcement, recipient_ids)
        if created:
            deliver_after_commit(created)


def _serialize(announcement: Announcement) -> dict:
    target = announcement.target
    return {
        "kind": announcement.kind, "cause": announcement.cause, "url": announcement.url,
        "actor_id": announcement.actor_id, "params": announcement.params, "batch": announcement.batch,
        "count_each": announcement.count_each,
        "target": [ContentType.objects.get_for_model(target).pk, target.pk] if target is not None else None,
    }


def fan_out_run(announcement: dict, recipient_ids: list[int]) -> int:
    """The fan-out task's work: chunks of :data:`CHUNK` recipients, one transaction each (bulk
    insert, email task, live delivery after its commit); returns how many were created."""
    parsed, target = deserialize(announcement)
    total = 0
    for start in range(0, len(recipient_ids), CHUNK):
        with transaction.atomic():
            created = create_notifications(parsed, recipient_ids[start:start + CHUNK], target=target)
            if created:
                deliver_after_commit(created)
        total += len(created)
    return total


def deserialize(data: dict) -> tuple[Announcement, tuple[int, int] | None]:
    target = data.get("target")
    return (Announcement(kind=data["kind"], cause=data["cause"], url=data["url"], recipient_ids=(),
                         actor_id=data.get("actor_id"), params=data.get("params") or {},
                         batch=data.get("batch", False), count_each=data.get("count_each", False)),
            tuple(target) if target else None)


def create_notifications(announcement: Announcement, recipient_ids: list[int], *,
                         target: tuple[int, int] | None = None) -> list[int]:
    """Write the notifications of one announcement for ``recipient_ids`` (at most ~1,000: the
    caller chunks) and return the ids created or changed. Call inside a transaction."""
    if target is None and announcement.target is not None:
        target = (ContentType.objects.get_for_model(announcement.target).pk, announcement.target.pk)
    target_type_id, target_id = target or (None, None)
    now = timezone.now()
    frequencies = frequencies_for(kind=announcement.kind, user_ids=recipient_ids)
    if get_kind(announcement.kind).reaches_inactive:
        # Deactivated accounts get no digest: their chosen digest becomes an email at once.
        for user_id in get_user_model().objects.filter(pk__in=recipient_ids, is_active=False).values_list("pk", flat=True):
            if frequencies[user_id] in (Frequency.DAILY, Frequency.WEEKLY):
                frequencies[user_id] = Frequency.IMMEDIATE
    keys = {user_id: f"{announcement.kind}:{announcement.cause}:{user_id}"[:200] for user_id in recipient_ids}
    existing = set(Notification.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    changed: list[int] = []
    fresh = [user_id for user_id in recipient_ids if keys[user_id] not in existing]
    if announcement.batch and fresh and target_type_id:
        changed, fresh = _merge_into_batches(announcement, fresh, target_type_id, target_id, now)
    rows = [
        Notification(recipient_id=user_id, kind=announcement.kind, actor_id=announcement.actor_id,
                     url=announcement.url, key=keys[user_id],
                     params={**announcement.params, **({"count": 1, "actors": [announcement.actor_id]}
                                                       if announcement.batch else {})},
                     target_type_id=target_type_id, target_id=target_id, created=now,
                     email_status=_email_status(frequencies[user_id]))
        for user_id in fresh
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)
    if rows:
        changed += list(Notification.objects.filter(key__in=[row.key for row in rows]).values_list("pk", flat=True))
    return changed


def _merge_into_batches(announcement: Announcement, user_ids: list[int], target_type_id: int, target_id: int,
                        now) -> tuple[list[int], list[int]]:
    """Add the actor to each recipient's unread notification of this kind and target (with
    ``count_each``: count one more, newest parameters); return (ids changed, recipients who had none)."""
    changed, merged_users = [], set()
    open_batches = (Notification.objects.select_for_update()
                    .filter(recipient_id__in=user_ids, kind=announcement.kind, target_type_id=target_type_id,
                            target_id=target_id, read_at__isnull=True, withdrawn=False))
    for notification in open_batches:
        merged_users.add(notification.recipient_id)
        actors = list(notification.params.get("actors") or [])
        if announcement.actor_id in actors and not announcement.count_each:
            continue
        if announcement.actor_id not in actors:
            actors.append(announcement.actor_id)
        count = int(notification.params.get("count") or 1) + 1 if announcement.count_each else len(actors)
        notification.params = {**notification.params, **announcement.params, "actors": actors, "count": count}
        notification.actor_id = announcement.actor_id
        notification.created = now
        notification.save(update_fields=["params", "actor", "created"])
        changed.append(notification.pk)
    return changed, [user_id for user_id in user_ids if user_id not in merged_users]


def deliver_after_commit(notification_ids: list[int]) -> None:
    """After the cause commits: clear unread counters and tell listeners (chat's live frame);
    the email task is enqueued in the transaction itself, so it is never lost."""
    from community.notifications import tasks

    if Notification.objects.filter(pk__in=notification_ids, email_status=EmailStatus.PENDING).exists():
        tasks.send_immediate_emails.enqueue(notification_ids)
    transaction.on_commit(partial(notifications_published, list(notification_ids)))


def notifications_published(notification_ids: list[int]) -> None:
    """Called once the notifications are committed: counters and the ``notification_created`` event."""
    recipients = set(Notification.objects.filter(pk__in=notification_ids).values_list("recipient_id", flat=True))
    invalidate_unread(recipients)
    events.notification_created.send(sender=Notification, notification_ids=list(notification_ids))


# --- visibility -------------------------------------------------------------------------------

def notifications_set_visibility(*, content, visible: bool) -> int:
    """Withdraw (or restore) every notification about ``content`` when it stops (or starts again)
    being visible; counters follow after commit."""
    ct = ContentType.objects.get_for_model(content)
    rows = Notification.objects.filter(target_type=ct, target_id=content.pk, withdrawn=visible)
    recipients = set(rows.values_list("recipient_id", flat=True))
    count = rows.update(withdrawn=not visible)
    if recipients:
        _invalidate_now_and_after_commit(recipients)
    return count


# --- reading ----------------------------------------------------------------------------------

def notification_open(*, user, notification_id: int) -> Notification:
    """The user's own notification, marked read; :class:`NotificationError` for anyone else's."""
    with transaction.atomic():
        notification = (Notification.objects.visible().select_for_update()
                        .filter(pk=notification_id, recipient_id=user.pk).first())
        if notification is None:
            raise NotificationError("not_found")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            _invalidate_now_and_after_commit([user.pk])
    return notification


def notifications_mark_all_read(*, user) -> int:
    with transaction.atomic():
        count = Notification.objects.unread().filter(recipient_id=user.pk).update(read_at=timezone.now())
        _invalidate_now_and_after_commit([user.pk])
    return count


# --- preferences ------------------------------------------------------------------------------

def notification_preferences_set(*, user, frequencies: dict[str, str], language: str | None = None) -> None:
    """Store the user's email frequency per kind (rows only where it differs from the default)."""
    valid = set(Frequency.values)
    with transaction.atomic():
        for kind_key, frequency in frequencies.items():
            if frequency not in valid:
                raise NotificationError("bad_frequency")
            if frequency == get_kind(kind_key).default_frequency:
                NotificationPreference.objects.filter(user=user, kind=kind_key).delete()
            else:
                NotificationPreference.objects.update_or_create(user=user, kind=kind_key,
                                                                defaults={"frequency": frequency})
        if language and language in dict(settings.LANGUAGES):
            MailSettings.objects.update_or_create(user=user, defaults={"language": language})
