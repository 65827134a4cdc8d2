"""What the community's trust levels decide for links and indexing: one function per decision.

Both read only the denormalised ``Profile`` fields the experts app keeps exact
(``level``, ``expert_categories``), so the core, reviews, Q&A and chat can ask without
importing ``experts`` and without queries when authors come with ``select_related("…profile")``.

* :func:`links_followed` — do this author's links lose ``nofollow``? (Experts: ``rel="ugc"``;
  everyone else ``rel="ugc nofollow"``.)
* :func:`is_indexable` — may a page whose user content is by these authors be indexed?
  (Not when every author is a Newcomer: ``noindex``.)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import CharField, Count, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat

NEWCOMER = "newcomer"


def _profile(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile
    except ObjectDoesNotExist:  # a user without a profile row is treated as a Newcomer
        return None


def links_followed(user) -> bool:
    """True when links in ``user``'s text are followed: the author is an Expert in any category.

    Experts get ``rel="ugc"`` (no ``nofollow``); everyone else ``rel="ugc nofollow"``. Pass the
    result as ``follow_links`` to ``community.text.sanitize``; models declare it through their
    ``follow_links()`` method so that ``resanitize`` and a change of Expert status re-render it.
    """
    profile = _profile(user)
    return bool(profile and profile.expert_categories and user.is_active)


def is_newcomer(user) -> bool:
    """A Newcomer: level "newcomer", not staff and not an Expert anywhere."""
    profile = _profile(user)
    if profile is None:
        return True
    if user.is_staff:
        return False
    return profile.level == NEWCOMER and not profile.expert_categories


def is_indexable(authors: Iterable) -> bool:
    """False when a page's user content is only by Newcomers (the page gets ``noindex``).

    ``authors`` are the users whose content the page shows (the question's author and the
    answerers, a review's author…). A page with no user content at all is indexable: what it
    shows is the shop's own. One Member, Connoisseur, Expert or staff author makes it indexable.
    """
    seen = False
    for author in authors:
        seen = True
        if not is_newcomer(author):
            return True
    return not seen


def indexable_authors_q(prefix: str = "") -> Q:
    """The SQL form of "not a Newcomer" (:func:`is_newcomer` negated), for querysets that must
    pick indexable content in one query (sitemaps). ``prefix`` leads to the user, e.g.
    ``"author__"``. tests/seo/test_sitemaps.py checks that both forms agree."""
    return Q(**{f"{prefix}profile__isnull": False}) & (
        Q(**{f"{prefix}is_staff": True})
        | ~Q(**{f"{prefix}profile__level": NEWCOMER})
        | ~Q(**{f"{prefix}profile__expert_categories": []})
    )


def authors_standing(prefix: str = "author__") -> Concat:
    """An aggregate that changes when the standing of any author of the rows changes: how many are
    indexable (:func:`indexable_authors_q`), their reputation's sum, how many show their profile;
    as one value (``"3:1520:2"``) so a page's version joins the authors once, not three times
    (each join of a product's thousand reviews to their authors cost 0.6 ms on SQLite)."""
    def text(expression):
        return Cast(expression, CharField())

    return Concat(text(Count("pk", filter=indexable_authors_q(prefix))), Value(":"),
                  text(Coalesce(Sum(f"{prefix}profile__reputation"), 0)), Value(":"),
                  text(Count("pk", filter=Q(**{f"{prefix}profile__public": True}))), output_field=CharField())
