"""Template helpers of reviews: star display, the "found helpful" sentence, vote state."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reviews import selectors, services
from reviews.models import Review

register = template.Library()


@register.simple_tag
def helpful_summary(review: Review) -> str:
    """"23 of 25 shoppers found this review helpful" (empty when nobody has voted).

    Russian needs two plural choices (the noun follows the total, the verb the helpful
    count), hence two messages.
    """
    return helpful_sentence(review.helpful_count, review.vote_total)


def helpful_sentence(helpful: int, total: int) -> str:
    if total <= 0:
        return ""
    of_shoppers = ngettext("of %(total)d shopper", "of %(total)d shoppers", total) % {"total": total}
    return ngettext(
        "%(helpful)d %(of_shoppers)s found this review helpful",
        "%(helpful)d %(of_shoppers)s found this review helpful",
        helpful,
    ) % {"helpful": helpful, "of_shoppers": of_shoppers}


@register.simple_tag
def stars(value, size: str = "") -> str:
    """Five stars filled to ``value`` (an average may be fractional), with a text equivalent.

    A simple tag rather than an included template: it is rendered a dozen times a page.
    """
    value = float(value or 0)
    label = _("Rating: %(value)s out of 5") % {"value": floatformat(value, "-1")}
    return format_html(
        '<span class="stars{}" role="img" aria-label="{}" style="--stars: {}%"></span>',
        f" stars-{size}" if size else "", label, f"{round(value / 5 * 100, 1)}",
    )


@register.simple_tag(takes_context=True)
def vote_state(context, review: Review) -> dict:
    """What the vote buttons of ``review`` show to the viewer."""
    user = context.get("user")
    vote = selectors.viewer_vote(review)
    return {
        "own": bool(user and user.is_authenticated and user.pk == review.author_id),
        "vote": None if vote is None else ("helpful" if vote.helpful else "unhelpful"),
        "locked": services.vote_is_locked(vote),
    }


@register.simple_tag
def filter_query(filters: selectors.ReviewFilters, **changes) -> str:
    """The query string of ``filters`` with ``changes`` (e.g. ``stars=5``), defaults left out."""
    return (filters or selectors.ReviewFilters()).query(**changes)

