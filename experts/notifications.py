"""What the Experts app tells people: Expert status earned, at risk (grace period) and lost
(registered with the ``notification_kinds`` hook in ``experts.wagtail_hooks``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.notifications.kinds import Announcement, NotificationKind
from community.notifications.models import Frequency


def _url(category) -> str:
    return reverse("experts:category_leaderboard", args=[category.slug]) if category else reverse("experts:leaderboard")


def status_changed(*, user, category, gained: bool, **kwargs) -> list[Announcement]:
    kind = "experts.earned" if gained else "experts.lost"
    day = timezone.localdate().isoformat()
    category_id = category.pk if category else 0
    return [Announcement(kind=kind, cause=f"category:{category_id}:{day}", url=_url(category),
                         recipient_ids=[user.pk], params={"category": category.title if category else ""})]


def status_earned(**kwargs) -> list[Announcement]:
    return status_changed(**kwargs) if kwargs.get("gained") else []


def status_lost(**kwargs) -> list[Announcement]:
    return [] if kwargs.get("gained") else status_changed(**kwargs)


def status_at_risk(*, user, category, grace_until, **kwargs) -> list[Announcement]:
    until = timezone.localdate(grace_until)
    return [Announcement(kind="experts.at_risk", cause=f"category:{category.pk if category else 0}:{until.isoformat()}",
                         url=_url(category), recipient_ids=[user.pk],
                         params={"category": category.title if category else "", "until": until.strftime("%d.%m.%Y")})]


def kinds() -> list[NotificationKind]:
    return [
        NotificationKind(key="experts.earned", label=_("Expert status earned"), order=60,
                         message=_("You are now an Expert in “%(category)s”"),
                         default_frequency=Frequency.IMMEDIATE, listens={"expert_status_changed": status_earned}),
        NotificationKind(key="experts.at_risk", label=_("Expert status at risk"), order=61,
                         message=_("Your Expert status in “%(category)s” is at risk: meet the criteria again by %(until)s to keep it"),
                         default_frequency=Frequency.IMMEDIATE, listens={"expert_status_at_risk": status_at_risk}),
        NotificationKind(key="experts.lost", label=_("Expert status lost"), order=62,
                         message=_("Your Expert status in “%(category)s” has ended"),
                         default_frequency=Frequency.IMMEDIATE, listens={"expert_status_changed": status_lost}),
    ]
