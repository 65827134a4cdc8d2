"""Template helpers of Q&A: the viewer's controls under an answer."""

from __future__ import annotations

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from community.http import item_url
from community.moderation.models import Status
from community.qa.models import Answer, VoteValue

register = template.Library()


def _vote_button(answer: Answer, value: int, css: str, label: str, count: int, count_attribute: str) -> str:
    chosen = answer.viewer_vote == value
    return format_html(
        '<button type="submit" name="value" value="{}" class="btn btn-small {}" data-vote="{}" aria-pressed="{}" '
        'aria-describedby="{}-vote-label">{} <span class="badge" {}>{}</span></button>',
        0 if chosen else value, css, value, "true" if chosen else "false", answer.anchor, label,
        mark_safe(count_attribute), count)  # noqa: S308  (a constant attribute name)


@register.simple_tag(takes_context=True)
def answer_controls(context, answer: Answer) -> str:
    """What the viewer may do with ``answer``: vote (someone else's published answer; the counts
    otherwise), accept it (the asker), edit it (its author) or report it. A simple tag, not
    template markup: a page shows twenty answers, and this was half their rendering time."""
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    own = signed_in and user.pk == answer.author_id
    published = answer.status == Status.PUBLISHED
    parts = []
    if published:
        if signed_in and not own:
            csrf = CsrfTokenNode().render(context)  # what {% csrf_token %} prints
            parts.append(format_html(
                '<form method="post" action="{}" class="qa-vote-form" data-qa-vote>{}'
                '<span class="visually-hidden" id="{}-vote-label">{}</span>{}{}</form>',
                item_url("qa:answer_vote", answer.pk), csrf, answer.anchor, _("Was this answer helpful?"),
                _vote_button(answer, VoteValue.UP, "qa-vote-up", _("Helpful"), answer.up_count, "data-qa-up"),
                _vote_button(answer, VoteValue.DOWN, "qa-vote-down", _("Not helpful"), answer.down_count,
                             "data-qa-down")))
        else:
            parts.append(format_html('<p class="qa-vote-counts muted">{}</p>', _(
                "Helpful: %(up)s · Not helpful: %(down)s") % {"up": answer.up_count, "down": answer.down_count}))
        if context.get("is_asker") and not answer.is_accepted:
            parts.append(format_html(
                '<form method="post" action="{}" class="inline-form">{}<button type="submit" '
                'class="btn btn-small btn-outline">✓ {}</button></form>',
                item_url("qa:answer_accept", answer.pk), CsrfTokenNode().render(context),
                _("Accept this answer")))
    if own:
        parts.append(format_html('<a class="btn btn-small" href="{}">{}</a>',
                                 item_url("qa:answer_edit", answer.pk), _("Edit")))
    elif signed_in and published:
        parts.append(format_html('<a class="qa-report-link" href="{}" rel="nofollow">{}</a>',
                                 item_url("qa:answer_flag", answer.pk), _("Report")))
    return mark_safe("\n".join(parts))  # noqa: S308  (each part built by format_html)
