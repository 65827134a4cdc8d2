"""Search-engine bits of question pages: ``QAPage`` JSON-LD and a sitemap section."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils.safestring import SafeString

from community import seo
from community.moderation.models import Status
from community.qa.models import Answer, Question
from community.text import plain_text

SUGGESTED_ANSWERS = 10


def _person(user) -> dict:
    profile = getattr(user, "profile", None)
    return {"@type": "Person", "name": profile.name if profile else user.get_username(),
            "url": seo.absolute_url(reverse("profile", args=[user.get_username()]))}


def _answer(answer: Answer, url: str) -> dict:
    return {
        "@type": "Answer",
        "text": plain_text(answer.text_html),
        "dateCreated": seo.iso_datetime(answer.created),
        "upvoteCount": answer.up_count,
        "url": f"{url}#{answer.anchor}",
        "author": _person(answer.author),
    }


def question_jsonld(*, question: Question, answers: list[Answer], url: str, request=None) -> SafeString:
    """Schema.org ``QAPage`` for a published question and its published answers (safe to inline)."""
    url = seo.absolute_url(urlsplit(url).path)  # on the canonical origin, whatever the Host
    published = [a for a in answers if a.status == Status.PUBLISHED]
    accepted = next((a for a in published if getattr(a, "is_accepted", False)), None)
    suggested = [a for a in published if a is not accepted][:SUGGESTED_ANSWERS]
    entity = {
        "@type": "Question",
        "name": question.title,
        "text": plain_text(question.details_html) or question.title,
        "answerCount": question.answer_count,
        "upvoteCount": question.vote_score,
        "dateCreated": seo.iso_datetime(question.created),
        "author": _person(question.author),
    }
    if accepted is not None:
        entity["acceptedAnswer"] = _answer(accepted, url)
    if suggested:
        entity["suggestedAnswer"] = [_answer(a, url) for a in suggested]
    data = {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": entity}
    return seo.jsonld(data)


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
