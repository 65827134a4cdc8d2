"""Decisions from the queue: one item or many at once, all or nothing.

Each item goes through :func:`community.moderation.services.moderate` (status, flags, audit log
entry, ``content_moderated`` event, decision on record), inside one transaction: if one item
cannot take the action (its status changed meanwhile, another moderator claimed it), nothing
is changed and the moderator is told which item stopped the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from community.moderation import sanctions, services
from community.moderation.models import TRANSITIONS, Action, DecisionAction, QueueItem
from community.moderation.queue import claimed_by_other
from community.moderation.registry import kinds

# Bulk decisions and "remove everything" stop at this many items per request.
BULK_LIMIT = 500


@dataclass(frozen=True)
class BulkResult:
    done: int
    action: str


def _content_of(item: QueueItem):
    kind = kinds().get(item.kind)
    if kind is None:
        raise services.ModerationError(_("Unknown kind of content: %(kind)s.") % {"kind": item.kind})
    content = kind.model._default_manager.filter(pk=item.object_id).first()
    if content is None:
        raise services.ModerationError(_("“%(excerpt)s” no longer exists.") % {"excerpt": item.excerpt[:60]})
    return content


def queue_decide(*, moderator, items: list[QueueItem], action: str, reason_code: str = "", reason: str = "",
                 mute_days: int = 0) -> BulkResult:
    """Apply ``action`` to every item's content, atomically; optionally mute each author.

    ``action`` is a :class:`DecisionAction`; ``mute_days`` > 0 (with reject, hide or remove)
    also mutes each distinct author site-wide for that many days with the same reason.
    """
    if not services.can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can do this."))
    if action not in DecisionAction.values:
        raise services.ModerationError(_("Unknown moderation action."))
    if not items:
        raise services.ModerationError(_("Select at least one item."))
    if len(items) > BULK_LIMIT:
        raise services.ModerationError(_("At most %(limit)d items at once.") % {"limit": BULK_LIMIT})
    if mute_days and action not in (Action.REJECT, Action.HIDE, Action.REMOVE):
        raise services.ModerationError(_("Muting goes with rejecting, hiding or removing."))
    authors: set[int] = set()
    with transaction.atomic():
        for item in items:
            if claimed_by_other(item, moderator):
                raise services.ModerationError(
                    _("“%(excerpt)s” is claimed by another moderator.") % {"excerpt": item.excerpt[:60]})
            content = _content_of(item)
            try:
                services.moderate(moderator=moderator, content=content, action=action, reason=reason,
                                  reason_code=reason_code)
            except services.ModerationError as error:
                raise services.ModerationError(f"«{item.excerpt[:60]}»: {error}") from error
            if item.author_id:
                authors.add(item.author_id)
        if mute_days:
            text = services._reason_text(reason_code, reason)
            for author_id in sorted(authors):
                sanctions.user_mute(moderator=moderator, user_id=author_id, days=mute_days, reason=text)
    return BulkResult(done=len(items), action=action)


def user_content_remove_all(*, moderator, user, reason: str, reason_code: str = "") -> int:
    """"Remove everything by this user" for spam waves: every piece of their content that is not
    removed yet, of every registered kind, in one transaction. Returns how many were removed."""
    if not services.can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can do this."))
    removable = TRANSITIONS[Action.REMOVE][1]
    total = 0
    with transaction.atomic():
        for kind in kinds().values():
            for content in kind.by_author(user.pk).filter(status__in=removable).order_by("pk"):
                services.moderate(moderator=moderator, content=content, action=Action.REMOVE, reason=reason,
                                  reason_code=reason_code)
                total += 1
    return total


def items_for(ids: list[int]) -> list[QueueItem]:
    return list(QueueItem.objects.filter(pk__in=ids).order_by("pk"))
