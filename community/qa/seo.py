"""Search-engine bits of question pages: ``QAPage`` JSON-LD and a sitemap section."""

from __future__ import annotations

import json

from django.contrib.sitemaps import Sitemap
from django.utils.safestring import SafeString, mark_safe

from community.moderation.models import Status
from community.qa.models import Answer, Question
from community.text import plain_text

# The same escapes as Django's json_script: the JSON cannot close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
SUGGESTED_ANSWERS = 10


def _person(user) -> dict:
    profile = getattr(user, "profile", None)
    return {"@type": "Person", "name": profile.name if profile else user.get_username()}


def _answer(answer: Answer, url: str) -> dict:
    return {
        "@type": "Answer",
        "text": plain_text(answer.text_html),
        "dateCreated": answer.created.isoformat(),
        "upvoteCount": answer.up_count,
        "url": f"{url}#{answer.anchor}",
        "author": _person(answer.author),
    }


def question_jsonld(*, question: Question, answers: list[Answer], url: str, request=None) -> SafeString:
    """Schema.org ``QAPage`` for a published question and its published answers (safe to inline)."""
    published = [a for a in answers if a.status == Status.PUBLISHED]
    accepted = next((a for a in published if getattr(a, "is_accepted", False)), None)
    suggested = [a for a in published if a is not accepted][:SUGGESTED_ANSWERS]
    entity = {
        "@type": "Question",
        "name": question.title,
        "text": plain_text(question.details_html) or question.title,
        "answerCount": question.answer_count,
        "upvoteCount": question.vote_score,
        "dateCreated": question.created.isoformat(),
        "author": _person(question.author),
    }
    if accepted is not None:
        entity["acceptedAnswer"] = _answer(accepted, url)
    if suggested:
        entity["suggestedAnswer"] = [_answer(a, url) for a in suggested]
    data = {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": entity}
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308


class QuestionSitemap(Sitemap):
    """Published questions of live products, for ``sitemap.xml`` (lastmod: the latest change)."""

    changefreq = "weekly"
    limit = 5000

    def items(self):
        return (
            Question.objects.published().filter(product__live=True)
            .select_related("product").order_by("pk")
        )

    def location(self, item: Question) -> str:
        return item.get_url()

    def lastmod(self, item: Question):
        return item.edited_at or item.created
