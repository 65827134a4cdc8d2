"""The one moderation queue: keeping :class:`QueueItem` in step with the content, and claiming.

An item is open while its content needs a decision: it is pending, it is visible (published or
hidden) with open reports, it has an open appeal, or a rule or fake-review signal raised it.
:func:`queue_sync` recomputes that from the content (called by the services after every change
and by a ``post_save`` receiver for each registered model); :func:`queue_raise` adds a rule's or
signal's reason with its evidence. ``manage.py sync_moderation_queue [--check]`` rebuilds the lot.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.moderation.models import Flag, QueueItem, QueueReason, Status
from community.moderation.registry import ContentKind, kind_for_model

# A claim older than this lapses, so an item is never stuck with a moderator who left.
CLAIM_TTL = timedelta(minutes=30)
VISIBLE = (Status.PUBLISHED, Status.HIDDEN)


def _open_appeal_exists(content) -> bool:
    from community.moderation.models import Appeal

    ct = ContentType.objects.get_for_model(content, for_concrete_model=False)
    return Appeal.objects.filter(decision__content_type=ct, decision__object_id=content.pk, resolved_at__isnull=True).exists()


def _reasons(content, kind: ContentKind, flags: list[Flag], extra: list[dict], appeal: bool) -> list[dict]:
    reasons: list[dict] = []
    if content.status == Status.PENDING:
        reasons.extend(_pending_reasons(content, kind))
    if flags and content.status in VISIBLE:
        reasons.append({"code": QueueReason.FLAGGED, "text": ", ".join(sorted({f.get_reason_display() for f in flags}))})
    if appeal:
        reasons.append({"code": QueueReason.APPEAL, "text": _("The author appealed the decision.")})
    if content.status in (Status.PENDING, *VISIBLE):
        reasons.extend(extra)
    return reasons


def _pending_reasons(content, kind: ContentKind) -> list[dict]:
    """Why pending content waits: the first-contributions rule and every matching rule."""
    from community.moderation.rules import rule_reasons
    from community.moderation.services import needs_premoderation

    author = _author(content, kind)
    if author is None:
        return [{"code": QueueReason.PENDING, "text": _("New content waits for approval.")}]
    reasons = []
    if needs_premoderation(author):
        reasons.append({"code": QueueReason.PENDING, "text": _("First contributions of a new user.")})
    text = str(kind.excerpt(content) or "")
    reasons += [{"code": QueueReason.RULE, "text": why}
                for why in rule_reasons(author=author, text=text, product=kind.product_of(content))]
    return reasons or [{"code": QueueReason.PENDING, "text": _("New content waits for approval.")}]


def _author(content, kind: ContentKind):
    from django.contrib.auth import get_user_model

    author_id = kind.author_id_of(content)
    if author_id is None:
        return None
    *path, last = kind.author_path.split("__")
    target = content
    for part in path:
        target = getattr(target, part)
    cached = getattr(target, last, None)
    return cached if cached is not None else get_user_model().objects.filter(pk=author_id).first()


def queue_sync(content) -> QueueItem | None:
    """Open, update or close ``content``'s queue item from its current state. Idempotent.

    Call inside the transaction that changed the content. Unregistered models are ignored.
    """
    kind = kind_for_model(type(content))
    if kind is None:
        return None
    ct = ContentType.objects.get_for_model(content, for_concrete_model=False)
    item = QueueItem.objects.filter(content_type=ct, object_id=content.pk).first()
    flags = list(Flag.objects.filter(content_type=ct, object_id=content.pk, resolved=False).select_related("reporter"))
    extra = list(item.extra_reasons) if item else []
    reasons = _reasons(content, kind, flags, extra, _open_appeal_exists(content))
    if not reasons:
        if item and item.is_open:
            item.is_open, item.resolved_at = False, timezone.now()
            item.claimed_by = item.claimed_at = None
            item.extra_reasons, item.reasons, item.reason_codes, item.flag_count = [], [], "", 0
            item.content_status = content.status
            item.save()
        return item
    product = kind.product_of(content)
    values = {
        "kind": kind.key,
        "author_id": kind.author_id_of(content),
        "product_id": product.pk if product is not None else None,
        "category_id": getattr(product, "top_category_id", None) if product is not None else None,
        "excerpt": kind.excerpt_of(content)[:300],
        "content_status": content.status,
        "content_created": _created(content),
        "reasons": reasons,
        "extra_reasons": extra,
        "reason_codes": ",".join(sorted({r["code"] for r in reasons})),
        "flag_count": len(flags),
        "priority": _priority(flags, reasons),
    }
    if item is None:
        return QueueItem.objects.create(content_type=ct, object_id=content.pk, **values)
    if not item.is_open:
        values.update(is_open=True, opened_at=timezone.now(), resolved_at=None)
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    return item


def _created(content):
    for name in ("created", "created_at"):
        value = getattr(content, name, None)
        if value is not None:
            return value
    return timezone.now()


def _priority(flags: list[Flag], reasons: list[dict]) -> float:
    """Reports weighted by their reporters' trust, then signals and rules, then plain waiting."""
    from community.moderation.services import flag_weight

    score = sum(flag_weight(f.reporter) for f in flags)
    score += sum(2.0 for r in reasons if r["code"] in (QueueReason.SIGNAL, QueueReason.RULE))
    score += sum(3.0 for r in reasons if r["code"] == QueueReason.APPEAL)
    return round(score, 3)


def queue_raise(*, content, code: str, key: str, text: str, evidence: dict | None = None,
                aliases: tuple[str, ...] = ()) -> QueueItem | None:
    """Put ``content`` in the queue for a rule or a signal, with the reason and evidence the
    moderator sees. Raised once per ``key`` ever: running a detector again changes nothing, and a
    signal a moderator already dismissed does not come back. ``aliases``: keys of other signals
    that said the same (a near-duplicate pair already raised as the same text). Returns the
    item, or None when the key was raised before (or the kind is not registered)."""
    kind = kind_for_model(type(content))
    if kind is None:
        return None
    with transaction.atomic():
        ct = ContentType.objects.get_for_model(content, for_concrete_model=False)
        item, _created_now = QueueItem.objects.select_for_update().get_or_create(
            content_type=ct, object_id=content.pk,
            defaults={"kind": kind.key, "content_status": content.status, "content_created": _created(content),
                      "is_open": False},
        )
        if key in item.raised_keys or any(alias in item.raised_keys for alias in aliases):
            return None
        item.raised_keys = [*item.raised_keys, key]
        item.extra_reasons = [*item.extra_reasons, {"code": code, "text": text, "evidence": evidence or {}}]
        item.save(update_fields=["raised_keys", "extra_reasons"])
        return queue_sync(content)


def queue_claim(*, moderator, item: QueueItem, release: bool = False) -> QueueItem:
    """Claim an open item so two moderators do not work it at once (or release one's claim).

    A claim by someone else that is older than ``CLAIM_TTL`` may be taken over.
    """
    from community.moderation.services import ModerationError, can_moderate

    if not can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can do this."))
    with transaction.atomic():
        locked = QueueItem.objects.select_for_update().get(pk=item.pk)
        now = timezone.now()
        if release:
            if locked.claimed_by_id == moderator.pk:
                locked.claimed_by = locked.claimed_at = None
                locked.save(update_fields=["claimed_by", "claimed_at"])
            return locked
        if not locked.is_open:
            raise ModerationError(_("This item has already been resolved."))
        taken = locked.claimed_by_id and locked.claimed_by_id != moderator.pk
        if taken and locked.claimed_at and now - locked.claimed_at < CLAIM_TTL:
            raise ModerationError(_("Another moderator is working on this item."))
        locked.claimed_by, locked.claimed_at = moderator, now
        locked.save(update_fields=["claimed_by", "claimed_at"])
        return locked


def claimed_by_other(item: QueueItem, moderator) -> bool:
    return bool(item.claimed_by_id and item.claimed_by_id != moderator.pk and item.claimed_at
                and timezone.now() - item.claimed_at < CLAIM_TTL)


def queue_rebuild(*, check: bool = False) -> list[str]:
    """Recompute every item from the content (the queue's rebuild); returns what differed."""
    from community.moderation.registry import kinds

    differences: list[str] = []
    seen: set[tuple[int, int]] = set()
    for kind in kinds().values():
        ct = ContentType.objects.get_for_model(kind.model, for_concrete_model=False)
        flagged = set(Flag.objects.filter(content_type=ct, resolved=False).values_list("object_id", flat=True))
        existing = set(QueueItem.objects.filter(content_type=ct, is_open=True).values_list("object_id", flat=True))
        pending = set(kind.model._default_manager.filter(status=Status.PENDING).values_list("pk", flat=True))
        for pk in sorted(flagged | existing | pending):
            obj = kind.model._default_manager.filter(pk=pk).first()
            seen.add((ct.pk, pk))
            if obj is None:
                if pk in existing:
                    differences.append(f"{kind.key} #{pk}: gone")
                    if not check:
                        QueueItem.objects.filter(content_type=ct, object_id=pk).update(is_open=False, resolved_at=timezone.now())
                continue
            before = QueueItem.objects.filter(content_type=ct, object_id=pk).values_list("is_open", "reason_codes").first()
            if check:
                with transaction.atomic():
                    after_item = queue_sync(obj)
                    after = (after_item.is_open, after_item.reason_codes) if after_item else None
                    transaction.set_rollback(True)
            else:
                with transaction.atomic():
                    after_item = queue_sync(obj)
                    after = (after_item.is_open, after_item.reason_codes) if after_item else None
            if (before or (False, "")) != (after or (False, "")):
                differences.append(f"{kind.key} #{pk}: {before} → {after}")
    return differences
