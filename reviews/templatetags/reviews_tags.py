"""Template helpers of reviews: star display, the "found helpful" sentence, the viewer's controls
under a review."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.template.defaultfilters import floatformat
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.http import item_url
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


def vote_state(context, review: Review) -> dict:
    """What the vote buttons of ``review`` show to the viewer."""
    user = context.get("user")
    vote = selectors.viewer_vote(review)
    return {
        "own": bool(user and user.is_authenticated and user.pk == review.author_id),
        "vote": None if vote is None else ("helpful" if vote.helpful else "unhelpful"),
        "locked": services.vote_is_locked(vote),
    }


# The viewer's controls under a review are simple tags, not included templates: a page shows ten
# reviews, and as included templates they were a third of a signed-in product page's time.

def _csrf_input(context) -> str:
    return CsrfTokenNode().render(context)  # what {% csrf_token %} prints


def _vote_button(review: Review, choice: str, label: str, count: int, state: dict) -> str:
    chosen = state["vote"] == choice
    return format_html(
        '<button type="submit" class="btn btn-small vote-button" name="vote" data-choice="{}" '
        'aria-describedby="review-{}-vote-question"\n      value="{}" aria-pressed="{}"{}>{} '
        '<span class="vote-count" data-count="{}">{}</span></button>',
        choice, review.pk, "withdraw" if chosen else choice, "true" if chosen else "false",
        " disabled" if state["locked"] else "", label, choice, count)


@register.simple_tag(takes_context=True)
def review_vote(context, review: Review) -> str:
    """The helpful vote under ``review`` (a form that works without JS; the page script sends it
    in place) and the "found helpful" sentence. No form on the viewer's own review or on one
    that is not published."""
    state = vote_state(context, review)
    form = ""
    if not state["own"] and review.is_published:
        request = context.get("request")
        if state["locked"]:
            hint = _("Your vote is counted.")
        elif state["vote"]:
            hint = _("Press again to withdraw your vote (within 5 minutes).")
        else:
            hint = ""
        form = format_html(
            '\n  <form class="review-vote" method="post" action="{}" data-review-vote>\n    {}\n'
            '    <input type="hidden" name="next" value="{}#review-{}">\n'
            '    <span class="review-vote-question" id="review-{}-vote-question">{}</span>\n    {}\n    {}\n'
            '    <span class="vote-hint muted" data-vote-hint>{}</span>\n'
            '    <span class="vote-status" role="status" aria-live="polite" data-vote-status></span>\n  </form>',
            item_url("reviews:vote", review.pk), _csrf_input(context),
            request.get_full_path() if request else "", review.pk, review.pk, _("Was this review helpful?"),
            _vote_button(review, "helpful", _("Yes"), review.helpful_count, state),
            _vote_button(review, "unhelpful", _("No"), review.unhelpful_count, state), hint)
    return format_html(
        '<div class="review-helpful">{}\n  <p class="review-helpful-summary muted" data-helpful-summary>{}</p>\n</div>',
        form, helpful_summary(review))


@register.simple_tag(takes_context=True)
def review_report_link(context, review: Review) -> str:
    """«Report» under someone else's published review (the flag form's page)."""
    user = context.get("user")
    if (user is not None and user.pk == review.author_id) or not review.is_published:
        return ""
    request = context.get("request")
    return format_html('<a class="review-flag" href="{}?next={}%23review-{}" rel="nofollow">{}</a>',
                       item_url("reviews:flag", review.pk),
                       quote(request.get_full_path() if request else "", safe="/"), review.pk, _("Report"))


@register.simple_tag
def filter_query(filters: selectors.ReviewFilters, **changes) -> str:
    """The query string of ``filters`` with ``changes`` (e.g. ``stars=5``), defaults left out."""
    return (filters or selectors.ReviewFilters()).query(**changes)

