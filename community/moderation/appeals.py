"""Appeals: an author contests a decision once, from their account; a moderator answers, finally.

The appeal puts the content back in the queue beside the original decision (reason «Обжалование»).
Granting it restores the content (approve for rejected, restore for hidden or removed) through
the usual moderation path; denying it keeps the decision. Either answer is final, audit-logged
and sent as the ``appeal_decided`` event.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from community import events
from community.moderation import services
from community.moderation.models import Action, Appeal, Decision, DecisionAction, Status
from community.moderation.queue import queue_sync
from community.moderation.registry import kinds

APPEALABLE = (DecisionAction.REJECT, DecisionAction.HIDE, DecisionAction.REMOVE)
TEXT_MIN, TEXT_MAX = 10, 2000


def can_appeal(decision: Decision, user) -> bool:
    return (user is not None and user.is_authenticated and decision.author_id == user.pk
            and decision.action in APPEALABLE and decision.moderator_id is not None
            and decision.moderator_id != user.pk)


def _content(decision: Decision):
    kind = kinds().get(decision.kind)
    return kind.model._default_manager.filter(pk=decision.object_id).first() if kind else None


def appeal_create(*, author, decision: Decision, text: str) -> Appeal:
    """``author`` appeals ``decision`` (theirs, a rejection, hiding or removal), once."""
    if not can_appeal(decision, author):
        raise PermissionDenied(_("You can appeal only moderators' decisions on your own content."))
    text = (text or "").strip()
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise services.ModerationError(
            _("Explain your appeal in %(min)d to %(max)d characters.") % {"min": TEXT_MIN, "max": TEXT_MAX})
    with transaction.atomic():
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        if Appeal.objects.filter(decision=locked).exists():
            raise services.ModerationError(_("You have already appealed this decision."))
        if Decision.objects.filter(content_type_id=locked.content_type_id, object_id=locked.object_id,
                                   created__gt=locked.created).exclude(action=DecisionAction.DISMISS).exists():
            raise services.ModerationError(_("A later decision replaced this one."))
        appeal = Appeal.objects.create(decision=locked, author=author, text=text)
        content = _content(locked)
        if content is not None:
            queue_sync(content)
    return appeal


def appeal_decide(*, moderator, appeal: Appeal, grant: bool, answer: str) -> Appeal:
    """Answer ``appeal``, finally: grant (the content is restored) or deny (the decision stays)."""
    if not services.can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can do this."))
    answer = (answer or "").strip()
    if not answer:
        raise services.ModerationError(_("Give a reason: the author will see it."))
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal.pk)
        if locked.resolved_at is not None:
            raise services.ModerationError(_("This appeal has already been answered; the answer is final."))
        locked.resolved_at, locked.resolved_by, locked.granted, locked.answer = timezone.now(), moderator, grant, answer
        locked.save(update_fields=["resolved_at", "resolved_by", "granted", "answer"])
        content = _content(locked.decision)
        if grant and content is not None:
            action = Action.APPROVE if content.status == Status.REJECTED else Action.RESTORE
            services.moderate(moderator=moderator, content=content, action=action,
                              reason=_("Appeal granted: %(answer)s") % {"answer": answer})
        elif content is not None:
            queue_sync(content)
        log(instance=content if content is not None else locked, action="community.moderation.appeal", user=moderator,
            title=locked.decision.excerpt[:255] or str(locked),
            data={"granted": grant, "answer": answer, "appeal": locked.text, "decision": locked.decision_id})
        events.appeal_decided.send(sender=Appeal, appeal=locked, granted=grant, moderator=moderator)
    return locked
