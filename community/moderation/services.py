"""Write paths for moderation: flagging content and moderators' actions.

Every moderation action is written to Wagtail's audit log (``ModelLogEntry``) and sent as the
``content_moderated`` domain event, inside the transaction that changes the status.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from community import events
from community.moderation.models import (
    TRANSITIONS,
    Action,
    Decision,
    DecisionAction,
    Flag,
    FlagReason,
    ModeratedContent,
    QueueItem,
    Status,
)

MODERATE_PERMISSION = "moderation.moderate_content"


class ModerationError(Exception):
    """A moderation request that cannot be carried out; the message is shown to the user."""


def can_moderate(user) -> bool:
    """Moderators are staff with the moderation permission (the "Moderators" group has it)."""
    return bool(user and user.is_authenticated and user.is_active and (
        user.is_superuser or user.has_perm(MODERATE_PERMISSION)
    ))


def flag_counts_toward_auto_hide(user) -> bool:
    """Only users of sufficient trust can hide content by flagging it.

    Trust here: an active account older than a day with a confirmed email address, or staff.
    """
    if user.is_staff:
        return True
    profile = getattr(user, "profile", None)
    old_enough = user.date_joined <= timezone.now() - timedelta(hours=24)
    return old_enough and bool(profile and profile.email_verified)


def needs_premoderation(user, *, content_model: type[ModeratedContent] | None = None) -> bool:
    """New users' first contributions are pre-moderated; trusted users post directly.

    A user needs pre-moderation while they have fewer published contributions (of any
    moderated kind) than the rules' ``premoderate_first`` (Wagtail settings, else
    ``MODERATION_PREMODERATE_FIRST``). Staff never do.
    """
    from community.moderation.rules import current_rules

    threshold = current_rules().premoderate_first
    if threshold <= 0 or user.is_staff or can_moderate(user):
        return False
    published = 0
    for model in moderated_models():
        if "author" not in {f.name for f in model._meta.get_fields()}:
            continue
        if not getattr(model, "counts_toward_trust", True):  # e.g. chat lines
            continue
        published += model.objects.filter(author=user, status=Status.PUBLISHED)[:threshold].count()
        if published >= threshold:
            return False
    return True


def moderated_models() -> list[type[ModeratedContent]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, ModeratedContent)]


def initial_status(user, *, text: str = "", product=None, same_text: str | None = None) -> str:
    """The status new content by ``user`` (with ``text``, about ``product``) starts in: pending
    for a new user's first contributions and whenever a pre-moderation rule matches
    (``same_text``: what the repeated-text rule compares, when not ``text``)."""
    from community.moderation.rules import rule_reasons

    if needs_premoderation(user) or rule_reasons(author=user, text=text, product=product, same_text=same_text):
        return Status.PENDING
    return Status.PUBLISHED


def flag(*, reporter, content: ModeratedContent, reason: str, text: str = "") -> Flag:
    """Record ``reporter``'s flag on ``content``; auto-hide it at the configured threshold.

    Raises ``ModerationError`` for an anonymous reporter, one's own content, an unknown
    reason, or a second flag by the same reporter.
    """
    if reporter is None or not reporter.is_authenticated:
        raise ModerationError(_("Log in to report content."))
    if reason not in FlagReason.values:
        raise ModerationError(_("Choose a reason for the report."))
    if getattr(content, "author_id", None) == reporter.pk:
        raise ModerationError(_("You cannot report your own content."))
    text = (text or "").strip()
    if len(text) > 1000:
        raise ModerationError(_("The report comment must be at most 1000 characters."))
    model = type(content)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=content.pk)
        if locked.status in (Status.REMOVED, Status.REJECTED):
            raise ModerationError(_("This content has already been taken down."))
        try:
            with transaction.atomic():
                new_flag = Flag.objects.create(content=locked, reporter=reporter, reason=reason, text=text)
        except IntegrityError:
            raise ModerationError(_("You have already reported this.")) from None
        model.objects.filter(pk=locked.pk).update(flag_count=models.F("flag_count") + 1)
        locked.flag_count += 1
        events.content_flagged.send(sender=model, content=locked, flag=new_flag)
        if locked.status == Status.PUBLISHED and _trusted_open_flags(locked) >= _auto_hide_threshold():
            reason = _("Hidden automatically after reports from users.")
            _do_change_status(content=locked, action=Action.HIDE, moderator=None, reason=reason)
            _record_decision(content=locked, action=Action.HIDE, moderator=None, reason=reason,
                             previous_status=Status.PUBLISHED, flags=[])
        queue_sync(locked)
    content.status, content.flag_count = locked.status, locked.flag_count
    return new_flag


def _auto_hide_threshold() -> int:
    from community.moderation.rules import current_rules

    return current_rules().auto_hide_flags


def _trusted_open_flags(content: ModeratedContent) -> int:
    reporters = [f.reporter for f in Flag.objects.for_content(content).open().select_related("reporter__profile")]
    return sum(1 for r in reporters if flag_counts_toward_auto_hide(r))


def moderate(*, moderator, content: ModeratedContent, action: str, reason: str = "",
             reason_code: str = "") -> ModeratedContent:
    """Apply a moderator's ``action`` to ``content``: approve, reject, hide, remove, restore, or
    dismiss its reports (marked unfounded; the status stays).

    Rejecting, hiding and removing need a reason (a ``reason_code`` from
    :class:`DecisionReason` and/or text), which the author is shown. Open flags are resolved:
    upheld by hide/remove/reject, dismissed by approve/restore/dismiss. The decision is kept
    on record (:class:`Decision`, with a strike for an upheld spam or offensive report), the
    audit log gets an entry and the queue item closes when nothing else keeps it open.
    """
    if not can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can do this."))
    if action not in TRANSITIONS and action != DecisionAction.DISMISS:
        raise ModerationError(_("Unknown moderation action."))
    reason = _reason_text(reason_code, reason)
    if action in (Action.REJECT, Action.HIDE, Action.REMOVE) and not reason:
        raise ModerationError(_("Give a reason: the author will see it."))
    model = type(content)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=content.pk)
        previous = locked.status
        flags = list(Flag.objects.for_content(locked).open())
        raised = QueueItem.objects.filter(
            content_type=ContentType.objects.get_for_model(locked, for_concrete_model=False), object_id=locked.pk)
        if action == DecisionAction.DISMISS:
            if not flags and not raised.exclude(extra_reasons=[]).exists():
                raise ModerationError(_("There are no open reports to dismiss."))
            log(instance=locked, action="community.moderation.dismiss", user=moderator,
                title=locked.moderation_title()[:255], data={"reason": reason, "flags": len(flags)})
        else:
            target, allowed_from = TRANSITIONS[action]
            if locked.status not in allowed_from:
                raise ModerationError(
                    _("Cannot “%(action)s” content whose status is “%(status)s”.")
                    % {"action": Action(action).label, "status": locked.get_status_display()}
                )
            _do_change_status(content=locked, action=action, moderator=moderator, reason=reason)
        upheld = action in (Action.HIDE, Action.REMOVE, Action.REJECT)
        Flag.objects.filter(pk__in=[f.pk for f in flags]).update(resolved=True, upheld=upheld)
        for f in flags:
            f.resolved, f.upheld = True, upheld
        _record_decision(content=locked, action=action, moderator=moderator, reason=reason,
                         reason_code=reason_code, previous_status=previous, flags=flags)
        raised.update(extra_reasons=[])  # the decision answers the rules' and signals' reasons too
        queue_sync(locked)
    for field in ("status", "moderated_by_id", "moderated_at", "moderation_reason"):
        setattr(content, field, getattr(locked, field))
    return content


def _reason_text(reason_code: str, reason: str) -> str:
    """The reason the author is shown: the chosen reason's label, then the moderator's words."""
    from community.moderation.models import DecisionReason

    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise ModerationError(_("The reason must be at most 1000 characters."))
    if not reason_code:
        return reason
    if reason_code not in DecisionReason.values:
        raise ModerationError(_("Choose a reason from the list."))
    label = str(DecisionReason(reason_code).label)
    return f"{label}. {reason}" if reason else label


def _record_decision(*, content, action: str, moderator, reason: str, previous_status: str,
                     flags: list[Flag], reason_code: str = "") -> Decision | None:
    """Keep the decision on record for the author's account, appeals and strikes.

    Call inside the transaction, after the status changed. Registered kinds only.
    """
    from django.contrib.contenttypes.models import ContentType

    from community.moderation.registry import kind_for_model

    kind = kind_for_model(type(content))
    if kind is None:
        return None
    upheld = action in (Action.HIDE, Action.REMOVE, Action.REJECT)
    strike = upheld and any(f.reason in (FlagReason.SPAM, FlagReason.OFFENSIVE) for f in flags)
    return Decision.objects.create(
        content_type=ContentType.objects.get_for_model(content, for_concrete_model=False),
        object_id=content.pk, kind=kind.key, author_id=kind.author_id_of(content), moderator=moderator,
        action=action, reason_code=reason_code, reason=reason, excerpt=kind.excerpt_of(content)[:300],
        previous_status=previous_status, status=content.status, strike=strike,
        flags=[{"reason": f.reason, "text": f.text, "reporter_id": f.reporter_id, "upheld": f.upheld} for f in flags],
    )


def flag_weight(user) -> float:
    """How much one report by ``user`` counts toward an item's priority.

    Trusted reporters 1.0, others 0.3; a reporter whose reports were mostly dismissed (at least
    three judged, over half unfounded) counts a quarter as much.
    """
    weight = 1.0 if flag_counts_toward_auto_hide(user) else 0.3
    judged = list(Flag.objects.filter(reporter=user, resolved=True, upheld__isnull=False)
                  .values_list("upheld", flat=True)[:50])
    if len(judged) >= 3 and sum(1 for upheld in judged if not upheld) * 2 > len(judged):
        weight *= 0.25
    return weight


def queue_sync(content) -> None:
    from community.moderation.queue import queue_sync as sync

    sync(content)


def _do_change_status(*, content: ModeratedContent, action: str, moderator, reason: str) -> None:
    """Set the new status, audit-log it and send ``content_moderated``.

    Call inside the transaction, with the content row locked and the transition checked.
    """
    previous = content.status
    content.status = TRANSITIONS[action][0]
    content.moderated_by = moderator
    content.moderated_at = timezone.now()
    content.moderation_reason = reason
    content.save(update_fields=["status", "moderated_by", "moderated_at", "moderation_reason"])
    log(
        instance=content,
        action=f"community.moderation.{action}",
        user=moderator,
        title=content.moderation_title()[:255],
        data={"reason": reason, "previous_status": previous, "status": content.status},
    )
    events.content_moderated.send(
        sender=type(content), content=content, action=action, moderator=moderator,
        previous_status=previous, reason=reason,
    )


def validate_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise ValidationError(_("The reason must be at most 1000 characters."))
    return reason
