"""``{% author user %}``: the one way an author is shown on the site (``components/author.html``).

Everything the component shows comes with the user: ``Profile`` keeps a copy of the level and
the Expert categories, so a page of authors fetched with ``select_related("…author__profile")``
renders with no query per author. One inclusion tag and one template (no nested includes): pages
render it hundreds of times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail import hooks

register = template.Library()


@dataclass(frozen=True)
class Badge:
    """One badge beside a name: its text, CSS class and an optional explanation (a tooltip)."""

    label: str
    css_class: str
    tip: str = ""


def reputation_thresholds() -> dict[str, int]:
    """The reputation each level and Expert status need (``member``, ``trusted``, ``expert``), as
    the app that keeps the rules reports them (hook ``reputation_thresholds``, no query); empty
    without one, and the tooltips then name no number."""
    for hook in hooks.get_hooks("reputation_thresholds"):
        found = hook()
        if found:
            return found
    return {}


def _level_tip(level: str, thresholds: dict[str, int]) -> str:
    points = thresholds.get(level)
    if level == "trusted":
        if points is None:
            return _("A trusted member of the community.")
        return _("%(points)s+ reputation: a trusted member of the community.") % {"points": points}
    if level == "member":
        if points is None:
            return _("Reputation from useful reviews and answers.")
        return _("%(points)s+ reputation from useful reviews and answers.") % {"points": points}
    return _("A new member of the community.")


def _expert_tip(title: str, thresholds: dict[str, int]) -> str:
    points = thresholds.get("expert")
    if points is None:
        return _("Earned by reviews and answers in “%(title)s” that other customers found useful.") % {"title": title}
    return _("%(points)s+ reputation earned in “%(title)s” by reviews and answers that other customers found "
             "useful.") % {"points": points, "title": title}


def author_badges(user, extra: Iterable = ()) -> list[Badge]:
    """The badges of ``user``: «Магазин» for staff, one per Expert category, the level, then
    ``extra`` (objects with ``label``, ``css_class``, ``title``, ``key``: «Купил(а) этот товар»).
    No queries when the profile is loaded."""
    profile = user.profile
    badges: list[Badge] = []
    extra = list(extra or ())
    if user.is_staff or any(getattr(b, "key", "") == "shop" for b in extra):
        badges.append(Badge(_("Shop"), "badge-shop"))
    thresholds = reputation_thresholds()
    for category in profile.expert_categories or ():
        title = category.get("title", "")
        badges.append(Badge(_("Expert: %(title)s") % {"title": title}, "badge-expert", _expert_tip(title, thresholds)))
    badges.append(Badge(str(profile.get_level_display()), f"badge-level badge-{profile.level}",
                        _level_tip(profile.level, thresholds)))
    for badge in extra:
        if getattr(badge, "key", "") == "shop":
            continue  # shown above
        badges.append(Badge(str(badge.label), getattr(badge, "css_class", ""), getattr(badge, "title", "")))
    return badges


def author_fingerprint(user, *, badges: Iterable = (), support: bool = False) -> tuple:
    """Everything ``{% author user badges=… support=… %}`` shows, as a hashable value (for keys
    of renderings kept for reuse): a rename, a new level or Expert status, a hidden profile, a
    new avatar or other thresholds in the tips make a new value. The active language is not in it."""
    import json

    if user is None:
        return (None,)
    profile = user.profile
    return (user.pk, user.get_username(), user.is_staff, profile.name, profile.public, profile.level,
            json.dumps(profile.expert_categories or (), sort_keys=True, default=str), str(profile.avatar or ""),
            tuple(sorted(reputation_thresholds().items())), support,
            tuple((str(getattr(b, "label", "")), getattr(b, "css_class", ""), str(getattr(b, "title", "")),
                   getattr(b, "key", "")) for b in badges or ()))


@register.inclusion_tag("components/author.html")
def author(user, *, avatar: bool = False, badges: Iterable = (), support: bool = False) -> dict:
    """An author's avatar (``avatar=True``), name linked to their profile (unless it is private),
    and badges.

    ``badges``: extra badges of this piece of content (Q&A's «Купил(а) этот товар»).
    ``support=True`` (a private support dialog): staff are «Служба поддержки», nobody has badges.
    """
    if user is None:
        return {"name": _("Deleted user"), "shown_badges": ()}
    profile = user.profile
    if support and user.is_staff:
        return {"name": _("Support service"), "support": True, "avatar": avatar, "initials": "?",
                "shown_badges": ()}
    return {
        "name": profile.name,
        "url": reverse("profile", args=[user.get_username()]) if profile.public else "",
        "avatar": avatar,
        "avatar_url": profile.avatar.url if avatar and profile.avatar else "",
        "initials": profile.initials,
        "shown_badges": () if support else author_badges(user, badges),
    }
