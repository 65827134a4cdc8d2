"""What moderation tells people: one transactional kind, «Решение модерации», for the author of
moderated content and the user sanctioned (registered with the ``notification_kinds`` hook in
``wagtail_hooks``).

Each builder runs inside the decision's transaction and returns one announcement whose text is
picked by its ``decision`` param (so it renders in the reader's language). The link is the
author's account page, where decisions, sanctions and appeals live. The notifications app drops
the moderator acting on their own content (the actor) and repeats of the same cause. The kind
reaches inactive accounts: a banned user is told the ban's reason (and how to appeal) in their
account and by email, although they can no longer sign in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from community.moderation.models import Action, Decision, DecisionAction, SanctionKind, Status
from community.notifications.kinds import Announcement, NotificationKind
from community.notifications.models import Frequency

KEY = "moderation.decision"

#: ``decision`` param → the text (``%(excerpt)s``, ``%(reason)s``, ``%(until)s`` filled from the params).
MESSAGES = {
    "rejected": _("Your contribution “%(excerpt)s” was rejected by a moderator: %(reason)s"),
    "hidden": _("Your contribution “%(excerpt)s” was hidden: %(reason)s"),
    "removed": _("Your contribution “%(excerpt)s” was removed by a moderator: %(reason)s"),
    "approved": _("Your contribution “%(excerpt)s” was approved and published"),
    "restored": _("Your contribution “%(excerpt)s” was restored"),
    "muted": _("You cannot post until %(until)s: %(reason)s"),
    "banned": _("Your account is banned: %(reason)s. To appeal, write to %(appeal)s."),
    "banned_until": _("Your account is banned until %(until)s: %(reason)s. To appeal, write to %(appeal)s."),
    "lifted": _("Your mute or ban was lifted: %(reason)s"),
    "appeal_granted": _("Your appeal about “%(excerpt)s” was granted: %(reason)s"),
    "appeal_denied": _("Your appeal about “%(excerpt)s” was denied: %(reason)s"),
}

_CONTENT = {Action.REJECT: "rejected", Action.HIDE: "hidden", Action.REMOVE: "removed", Action.RESTORE: "restored"}


@dataclass(frozen=True)
class ModerationKind(NotificationKind):
    """A kind whose text depends on the decision (one row on the settings page)."""

    messages: dict = field(default_factory=dict)

    def render(self, params: dict) -> SafeString:
        message = self.messages.get(params.get("decision"))
        if message is None:
            return super().render(params)
        escaped = {name: conditional_escape(value) for name, value in params.items() if isinstance(value, str)}
        try:
            return mark_safe(str(message % escaped))
        except (KeyError, TypeError, ValueError):
            return format_html("{}", str(self.label))


def _account_url() -> str:
    return reverse("cabinet") + "#moderation"


def _excerpt(content) -> str:
    from community.moderation.registry import kind_for_model

    kind = kind_for_model(type(content))
    text = kind.excerpt_of(content) if kind else content.moderation_title()
    return text if len(text) <= 80 else text[:79].rstrip() + "…"


def _restored_by_appeal(content) -> bool:
    """The latest decision before this one has a granted appeal: the appeal's answer tells."""
    latest = (Decision.objects.filter(content_type=ContentType.objects.get_for_model(content, for_concrete_model=False),
                                      object_id=content.pk)
              .exclude(action=DecisionAction.DISMISS).order_by("-created", "-pk")
              .values_list("appeal__granted", flat=True).first())
    return bool(latest)


def content_decided(*, content, action: str, moderator, previous_status: str, reason: str, sanction=None,
                    **kwargs) -> list[Announcement]:
    """Rejected, hidden (by a moderator or by reports), removed; approved after pre-moderation or
    restored. An author removing their own content is the actor, so is never told; content a ban
    hides or its lifting restores is not told piece by piece (the ban notice says it)."""
    from community.moderation.registry import kind_for_model

    if sanction is not None:
        return []
    if action == Action.APPROVE:
        decision = "approved" if previous_status == Status.PENDING else "restored"
    else:
        decision = _CONTENT.get(action)
    kind = kind_for_model(type(content))
    author_id = kind.author_id_of(content) if kind else getattr(content, "author_id", None)
    if decision is None or author_id is None:
        return []
    if moderator is not None and moderator.pk == author_id:
        return []
    if decision in ("approved", "restored") and _restored_by_appeal(content):
        return []
    label = content._meta.label_lower
    stamp = content.moderated_at.isoformat() if content.moderated_at else previous_status
    return [Announcement(kind=KEY, cause=f"{label}:{content.pk}:{action}:{stamp}", url=_account_url(),
                         recipient_ids=[author_id], actor_id=moderator.pk if moderator else None,
                         params={"decision": decision, "excerpt": _excerpt(content), "reason": reason or ""})]


def user_sanctioned(*, user, sanction, lifted, moderator, **kwargs) -> list[Announcement]:
    """Muted (with the end date) or banned, with the reason; or every sanction lifted."""
    actor_id = moderator.pk if moderator else None
    if sanction is None:
        if not lifted:
            return []
        first = lifted[0]
        return [Announcement(kind=KEY, cause="lifted:" + ",".join(str(s.pk) for s in lifted), url=_account_url(),
                             recipient_ids=[user.pk], actor_id=actor_id,
                             params={"decision": "lifted", "reason": first.lift_reason or ""})]
    params = {"decision": "banned" if sanction.kind == SanctionKind.BAN else "muted", "reason": sanction.reason}
    if sanction.until:
        params["until"] = formats.date_format(timezone.localtime(sanction.until), "DATETIME_FORMAT")
    if sanction.kind == SanctionKind.BAN:
        # Told although the account is now inactive (the kind reaches inactive accounts).
        params["appeal"] = settings.MODERATION_APPEALS_EMAIL
        if sanction.until:
            params["decision"] = "banned_until"
    return [Announcement(kind=KEY, cause=f"sanction:{sanction.pk}", url=_account_url(), recipient_ids=[user.pk],
                         actor_id=actor_id, params=params)]


def appeal_decided(*, appeal, granted: bool, moderator, **kwargs) -> list[Announcement]:
    """The final answer to the author's appeal, with the moderator's words."""
    excerpt = appeal.decision.excerpt
    excerpt = excerpt if len(excerpt) <= 80 else excerpt[:79].rstrip() + "…"
    return [Announcement(kind=KEY, cause=f"appeal:{appeal.pk}", url=_account_url(), recipient_ids=[appeal.author_id],
                         actor_id=moderator.pk if moderator else None,
                         params={"decision": "appeal_granted" if granted else "appeal_denied", "excerpt": excerpt,
                                 "reason": appeal.answer})]


def kinds() -> list[NotificationKind]:
    return [ModerationKind(
        key=KEY, label=_("A moderation decision about my content or account"), order=5,
        message=_("A moderator made a decision about your content or account"), messages=MESSAGES,
        default_frequency=Frequency.IMMEDIATE, reaches_inactive=True,
        listens={"content_moderated": content_decided, "user_sanctioned": user_sanctioned,
                 "appeal_decided": appeal_decided},
    )]
