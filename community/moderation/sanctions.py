"""Site-wide sanctions on users: mute (cannot post for N days) and ban (cannot sign in or post).

A ban hides everything the user wrote that others could see or a moderator could publish
(published and pending content of every registered kind), remembering each piece and its
previous state in a :class:`BanHold`; lifting the ban puts back exactly those pieces that nobody
has decided on since — never content hidden for another reason. Each piece goes through the
``content_moderated`` event (with ``sanction=``), so aggregates, reputation, search and open chat
rooms follow as for any moderator's hide or restore, and each is audit-logged.

A ban also makes the account inactive, so Django's authentication refuses it everywhere — the
log-in form, an existing session (HTTP) and the websocket's session alike; :func:`posting_refusal`
is what every write path of user content asks (reviews, questions, answers, chat), so a muted
or banned user cannot post by any path. Every sanction and its lifting is audit-logged, sent as
the ``user_sanctioned`` event and shown to the user in their account.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from community import events
from community.moderation.models import Action, BanHold, Sanction, SanctionKind, Status

MAX_MUTE_DAYS = 3650
#: What a ban hides: what others see and what a moderator could still publish.
BAN_HIDES = (Status.PUBLISHED, Status.PENDING)


class SanctionError(Exception):
    """A sanction request that cannot be carried out; the message is shown to the moderator."""


def _check(moderator, user) -> None:
    from community.moderation.services import can_moderate

    if not can_moderate(moderator):
        raise PermissionDenied(_("Only moderators can do this."))
    if user.pk == moderator.pk:
        raise SanctionError(_("You cannot sanction yourself."))
    if user.is_superuser or can_moderate(user):
        raise SanctionError(_("Moderators and administrators cannot be sanctioned here."))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise SanctionError(_("Give a reason: the user will see it."))
    if len(reason) > 1000:
        raise SanctionError(_("The reason must be at most 1000 characters."))
    return reason


def user_mute(*, moderator, user=None, user_id: int | None = None, days: int, reason: str) -> Sanction:
    """Mute ``user`` site-wide for ``days`` days (1…3650): they read but cannot post."""
    user = user or get_user_model().objects.get(pk=user_id)
    _check(moderator, user)
    reason = _reason(reason)
    if not isinstance(days, int) or not 1 <= days <= MAX_MUTE_DAYS:
        raise SanctionError(_("Mute for 1 to %(max)d days.") % {"max": MAX_MUTE_DAYS})
    with transaction.atomic():
        sanction = Sanction.objects.create(user=user, kind=SanctionKind.MUTE, reason=reason, created_by=moderator,
                                           until=timezone.now() + timedelta(days=days))
        _log_and_send(sanction, moderator, "community.moderation.mute", data={"days": days})
    return sanction


def user_ban(*, moderator, user, reason: str) -> Sanction:
    """Ban ``user``: their visible and pending content is hidden (restorably) and the account is
    deactivated (no signing in, sessions end) until unbanned. The user is told the reason."""
    _check(moderator, user)
    reason = _reason(reason)
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        if Sanction.objects.in_force().filter(user=locked, kind=SanctionKind.BAN).exists():
            raise SanctionError(_("This user is already banned."))
        sanction = Sanction.objects.create(user=locked, kind=SanctionKind.BAN, reason=reason, created_by=moderator)
        hidden = _hide_for_ban(sanction=sanction, moderator=moderator)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        _log_and_send(sanction, moderator, "community.moderation.ban", data={"hidden": hidden})
    user.is_active = False
    return sanction


def user_unsanction(*, moderator, user, reason: str) -> list[Sanction]:
    """Lift every mute and ban in force on ``user`` (a ban lifted reactivates the account)."""
    _check(moderator, user)
    reason = _reason(reason)
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        lifted = list(Sanction.objects.in_force().filter(user=locked).select_for_update())
        if not lifted:
            raise SanctionError(_("This user is neither muted nor banned."))
        now = timezone.now()
        restored = 0
        for sanction in lifted:
            sanction.lifted_at, sanction.lifted_by, sanction.lift_reason = now, moderator, reason
            sanction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
            if sanction.kind == SanctionKind.BAN:
                locked.is_active = True
                locked.save(update_fields=["is_active"])
                restored += _restore_after_ban(sanction=sanction, moderator=moderator, reason=reason)
        log(instance=locked, action="community.moderation.unsanction", user=moderator, title=str(locked),
            data={"reason": reason, "lifted": [s.kind for s in lifted], "restored": restored})
        events.user_sanctioned.send(sender=Sanction, user=locked, sanction=None, lifted=lifted, moderator=moderator)
    user.is_active = locked.is_active
    return lifted


def _hide_for_ban(*, sanction: Sanction, moderator) -> int:
    """Hide every published or pending piece of the banned user's content, each remembered in a
    :class:`BanHold`. Call inside the ban's transaction, with the user row locked (they cannot
    post meanwhile). Returns how many pieces were hidden."""
    from community.moderation.registry import kinds

    holds = []
    for kind in kinds().values():
        ct = ContentType.objects.get_for_model(kind.model, for_concrete_model=False)
        found = (kind.by_author(sanction.user_id).filter(status__in=BAN_HIDES)
                 .select_for_update(of=("self",)).order_by("pk"))
        for content in found:
            hold = BanHold(sanction=sanction, content_type=ct, object_id=content.pk, previous_status=content.status,
                           previous_moderated_by_id=content.moderated_by_id,
                           previous_moderated_at=content.moderated_at, previous_reason=content.moderation_reason)
            _set_status(content=content, status=Status.HIDDEN, action=Action.HIDE, moderator=moderator,
                        sanction=sanction, log_action="community.moderation.ban_hide",
                        moderated=(moderator, timezone.now(), sanction.reason))
            hold.hidden_at = content.moderated_at
            holds.append(hold)
    BanHold.objects.bulk_create(holds)
    return len(holds)


def _restore_after_ban(*, sanction: Sanction, moderator, reason: str) -> int:
    """Put back what ``sanction`` hid, as it was, unless a decision was taken on it since (it is
    no longer hidden, or hidden again by someone else: its ``moderated_at`` moved). Call inside
    the lifting transaction. Returns how many pieces were restored."""
    restored = 0
    now = timezone.now()
    for hold in sanction.holds.filter(restored_at__isnull=True).select_related("content_type").order_by("pk"):
        model = hold.content_type.model_class()
        content = model._default_manager.select_for_update().filter(pk=hold.object_id).first() if model else None
        if content is None or content.status != Status.HIDDEN or content.moderated_at != hold.hidden_at:
            continue
        _set_status(content=content, status=hold.previous_status, action=Action.RESTORE, moderator=moderator,
                    sanction=sanction, log_action="community.moderation.ban_restore", reason=reason,
                    moderated=(hold.previous_moderated_by_id, hold.previous_moderated_at, hold.previous_reason))
        hold.restored_at = now
        hold.save(update_fields=["restored_at"])
        restored += 1
    return restored


def _set_status(*, content, status: str, action: str, moderator, sanction: Sanction, log_action: str,
                moderated: tuple, reason: str | None = None) -> None:
    """Set ``content``'s status and moderation stamp (``moderated``: moderator or its id, time,
    reason), audit-log it and send ``content_moderated`` with the sanction. Call inside the
    transaction, with the content row locked."""
    previous = content.status
    by, content.moderated_at, content.moderation_reason = moderated
    content.moderated_by_id = getattr(by, "pk", by)
    content.status = status
    content.save(update_fields=["status", "moderated_by", "moderated_at", "moderation_reason"])
    shown = reason if reason is not None else content.moderation_reason
    log(instance=content, action=log_action, user=moderator, title=content.moderation_title()[:255],
        data={"reason": shown, "previous_status": previous, "status": status, "sanction": sanction.pk})
    events.content_moderated.send(sender=type(content), content=content, action=action, moderator=moderator,
                                  previous_status=previous, reason=shown, sanction=sanction)


def _log_and_send(sanction: Sanction, moderator, action: str, data: dict | None = None) -> None:
    log(instance=sanction.user, action=action, user=moderator, title=str(sanction.user),
        data={"reason": sanction.reason, "until": sanction.until.isoformat() if sanction.until else None,
              **(data or {})})
    events.user_sanctioned.send(sender=Sanction, user=sanction.user, sanction=sanction, lifted=[], moderator=moderator)


def posting_refusal(user, *, allow_muted: bool = False) -> str | None:
    """Why ``user`` may not post right now (a mute or ban in force), or None. One query.

    ``allow_muted``: only a ban refuses (support tickets stay open to muted customers).
    """
    if user is None or not user.is_authenticated:
        return None
    sanction = posting_sanctions([user.pk], allow_muted=allow_muted).get(user.pk)
    return refusal_text(sanction) if sanction is not None else None


def posting_sanctions(user_ids, *, allow_muted: bool = False) -> dict[int, Sanction]:
    """The sanction that keeps each of ``user_ids`` from posting now (a ban before a mute, then the
    one that lasts longest), for those who have one. One query, however many users."""
    in_force = Sanction.objects.in_force().filter(user_id__in=set(user_ids))
    if allow_muted:
        in_force = in_force.filter(kind=SanctionKind.BAN)
    chosen: dict[int, Sanction] = {}
    for sanction in in_force:
        held = chosen.get(sanction.user_id)
        if held is None or _precedence(sanction) < _precedence(held):
            chosen[sanction.user_id] = sanction
    return chosen


def _precedence(sanction: Sanction) -> tuple:
    # A ban first; then one until lifted; then the latest end.
    return (sanction.kind != SanctionKind.BAN, sanction.until is not None,
            -sanction.until.timestamp() if sanction.until else 0)


def refusal_text(sanction: Sanction) -> str:
    """What a user kept from posting by ``sanction`` is told (in the active language)."""
    if sanction.kind == SanctionKind.BAN:
        return _("Your account is banned: %(reason)s") % {"reason": sanction.reason}
    if sanction.until is None:
        return _("You cannot post until a moderator lifts the restriction: %(reason)s") % {"reason": sanction.reason}
    return _("You cannot post until %(until)s: %(reason)s") % {
        "until": formats.date_format(timezone.localtime(sanction.until), "DATETIME_FORMAT"),
        "reason": sanction.reason,
    }


def ban_in_force(user) -> Sanction | None:
    """The ban in force on ``user`` (the latest), or None. One query."""
    if user is None or not user.pk:
        return None
    return Sanction.objects.in_force().filter(user_id=user.pk, kind=SanctionKind.BAN).order_by("-created", "-pk").first()


def sanctions_in_force(user_ids) -> dict[int, list[Sanction]]:
    found: dict[int, list[Sanction]] = {}
    for sanction in Sanction.objects.in_force().filter(user_id__in=set(user_ids)):
        found.setdefault(sanction.user_id, []).append(sanction)
    return found
