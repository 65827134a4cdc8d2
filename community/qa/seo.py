"""Search-engine bits of question pages: ``QAPage`` JSON-LD and a sitemap section."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from urllib.parse import urlsplit

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils.safestring import SafeString

from community import seo
from community.accounts.trust import authors_standing, indexable_authors_q
from community.moderation.models import Status
from community.qa.models import Answer, AnswerVote, Question
from community.text import plain_text

SUGGESTED_ANSWERS = 10


def _person(user) -> dict:
    profile = getattr(user, "profile", None)
    person = {"@type": "Person", "name": profile.name if profile else user.get_username()}
    if profile is None or profile.public:  # a private profile is not linked
        person["url"] = seo.absolute_url(reverse("profile", args=[user.get_username()]))
    return person


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


def product_questions_changed():
    """Latest visible change of a product's questions (``product_sitemap_lastmod`` hook)."""
    return seo.latest_change(Question.objects.all(), "product")


def product_answers_changed():
    """Latest visible change of the answers to a product's questions (same hook)."""
    return seo.latest_change(Answer.objects.all(), "question__product")


def author_questions_changed():
    """Latest change of a user's published questions (``profile_sitemap_lastmod`` hook)."""
    return seo.latest_change(Question.objects.filter(status=Status.PUBLISHED), "author")


def author_answers_changed():
    """Latest change of a user's published answers (same hook)."""
    return seo.latest_change(Answer.objects.filter(status=Status.PUBLISHED), "author")


class QuestionSitemap(seo.CanonicalSitemap):
    """Published, indexable questions of live products (a question whose author and answerers
    are all Newcomers is ``noindex``); lastmod: the latest change of the question or an answer.
    A fixed number of queries: the questions' rows and one ``GROUP BY`` of the answers' latest
    changes."""

    @cached_property
    def _answers_changed(self) -> dict[int, datetime]:
        return seo.latest_change(Answer.objects.all(), "question").by_key(self.page_keys)

    def _queryset(self):
        # EXISTS, correlated on the (question, status) index: an uncorrelated IN inside this OR
        # is not hashed by PostgreSQL and made the section 20x slower.
        indexable_answer = Answer.objects.filter(indexable_authors_q("author__"), question=OuterRef("pk"),
                                                 status=Status.PUBLISHED)
        return (
            Question.objects.published().filter(product__live=True)
            .filter(indexable_authors_q("author__") | Q(Exists(indexable_answer)))
            .annotate(changed=Greatest(Coalesce("moderated_at", "created"), Coalesce("edited_at", "created")))
        )

    def items(self):
        return self._queryset().order_by("pk").values("pk", "slug", "product__url_path", "changed")

    def location(self, item: dict) -> str:
        # Rows, not objects: Question.get_url() would build the product page and resolve its
        # sub-route per question. The route's shape is qa_routes' ``questions/<id>-<slug>/``.
        return f"{self._path(item['product__url_path'])}questions/{item['pk']}-{item['slug']}/"

    @cached_property
    def _path(self):
        return seo.path_maker()

    def lastmod(self, item: dict):
        return seo.latest(item["changed"], self._answers_changed.get(item["pk"]))

    def get_latest_lastmod(self):
        queryset = self._queryset()
        answers = seo.latest_change(Answer.objects.all(), "question").latest_among(queryset.values("pk"))
        return seo.latest(queryset.aggregate(m=Max("changed"))["m"], answers)


def _aggregate(queryset, outer_field: str, **aggregates):
    """Subqueries over ``OuterRef("pk")``: each aggregate of ``queryset``'s rows for that key."""
    rows = queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field)
    return {name: Subquery(rows.annotate(value=expression).values("value")[:1]) for name, expression in aggregates.items()}


def question_version(request, *, page_url_path: str, question_id: str, slug: str) -> seo.Version | None:
    """What a question page shows, in one query: the question's stored counters and moderation
    state, its answers' latest change, vote counters and votes (a vote changes it), and the
    product page itself. None (no validators) unless the question is published and its URL is
    the canonical one (other URLs redirect)."""
    answers = _aggregate(Answer.objects.all(), "question", answers_changed=Max(Greatest(
        Coalesce("moderated_at", "created"), Coalesce("edited_at", "created"))),
        answers_up=Sum("up_count"), answers_down=Sum("down_count"), answers_n=Count("pk"),
        # The answerers' standing (badges, noindex): the whole anonymous page is cached under this.
        authors=authors_standing())
    votes = _aggregate(AnswerVote.objects.all(), "answer__question", votes_changed=Max("updated"),
                       votes_n=Count("pk"))
    row = (Question.objects.filter(pk=int(question_id), product__url_path=page_url_path, product__live=True)
           .annotate(**answers, **votes)
           .values_list("status", "slug", "title", "created", "edited_at", "moderated_at", "answer_count",
                        "vote_score", "accepted_answer_id", "product_id", "product__title",
                        "product__last_published_at", "author__profile__public", *answers, *votes).first())
    if row is None or row[0] != Status.PUBLISHED or row[1] != slug:
        return None
    return row, seo.latest(*(value for value in row if isinstance(value, datetime)))


# The question page's route (community/qa/wagtail_hooks.py: ``questions/<id>-<slug>/``).
QUESTION_ROUTE = r"^(?P<page>/(?:[^/]+/)+)questions/(?P<question_id>\d+)-(?P<slug>[-a-zA-Z0-9_]+)/$"


def product_questions_version() -> dict:
    """Subqueries over a product's ``OuterRef("pk")`` tracking its Q&A section: the questions'
    and answers' latest change, their stored counters and the answers' votes
    (``product_page_version`` hook)."""
    changed = Max(Greatest(Coalesce("moderated_at", "created"), Coalesce("edited_at", "created")))
    return {
        **_aggregate(Question.objects.all(), "product", questions_changed=changed, questions_n=Count("pk"),
                     question_answers=Sum("answer_count"), question_votes=Sum("vote_score"),
                     question_authors_public=Count("pk", filter=Q(author__profile__public=True))),
        **_aggregate(Answer.objects.all(), "question__product", answers_changed=changed,
                     answers_up=Sum("up_count"), answers_down=Sum("down_count")),
        **_aggregate(AnswerVote.objects.all(), "answer__question__product", votes_changed=Max("updated"),
                     votes_n=Count("pk")),
    }
