"""Read paths of Q&A, each with its prefetching in one place.

Every selector runs a fixed number of queries whatever the number of questions, answers or
votes; authors come with ``select_related("author__profile")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.paginator import Page as PaginatorPage
from django.db.models import (
    Case,
    Count,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils.translation import gettext_lazy as _

from community.catalog.models import ProductPage
from community.moderation.models import Status
from community.moderation.services import can_moderate
from community.qa import terms
from community.qa.extensions import AuthorBadge, extra_author_badges, similar_question_ids
from community.qa.models import Answer, AnswerVote, Question, QuestionFollow, QuestionVote

QUESTIONS_PER_PAGE = 20
SECTION_QUESTIONS = 5
SIMILAR_LIMIT = 5
SIMILAR_CANDIDATES = 200

SORT_OPTIONS = {
    "newest": _("newest first"),
    "votes": _("most voted"),
    "unanswered": _("unanswered"),
}
DEFAULT_SORT = "newest"

SHOP_BADGE = AuthorBadge(key="shop", label=_("Shop"), css_class="badge-shop", title=_("An answer from the shop's staff"))
BUYER_BADGE = AuthorBadge(key="buyer", label=_("Bought this product"), css_class="badge-ok",
                          title=_("The shop's records show this person bought the product"))

# What a moderator sees beside published content: what may need their decision.
MODERATOR_VISIBLE = (Status.PUBLISHED, Status.PENDING, Status.HIDDEN)


def visible(queryset: QuerySet, user) -> QuerySet:
    """Published content; the viewer's own pending content; for moderators also pending and hidden."""
    if can_moderate(user):
        return queryset.filter(status__in=MODERATOR_VISIBLE)
    return queryset.visible_to(user)


def question_url(product_url: str, product: ProductPage, question: Question) -> str:
    """The question's URL from its product's URL (computed once per page, not per question)."""
    return product_url + product.reverse_subpage("qa_question", kwargs=question.route_kwargs)


def question_list_url(product: ProductPage, product_url: str | None = None) -> str:
    return (product_url if product_url is not None else product.url) + product.reverse_subpage("qa_question_list")


def ask_url(product: ProductPage, product_url: str | None = None) -> str:
    return (product_url if product_url is not None else product.url) + product.reverse_subpage("qa_question_ask")


# --- one question and its answers -------------------------------------------------------------


def question_for_page(*, product: ProductPage, question_id: int, viewer=None) -> Question | None:
    """The question with its author, or None when it is not this product's question; with a
    signed-in ``viewer``, what :func:`viewer_state` needs comes in the same query."""
    queryset = Question.objects.select_related("author__profile").filter(pk=question_id, product=product)
    if viewer is not None and viewer.is_authenticated:
        queryset = queryset.annotate(**_viewer_flags(viewer))
    question = queryset.first()
    if question is not None:
        question.product = product
    return question


def question_visible_to(question: Question, user) -> bool:
    """Published questions are public; the author also sees their own (marked), moderators all."""
    if question.status == Status.PUBLISHED:
        return True
    if question.status == Status.REMOVED:
        return False
    if user is not None and user.is_authenticated and question.author_id == user.pk:
        return True
    return can_moderate(user) and question.status in MODERATOR_VISIBLE


ANSWERS_PER_PAGE = 20


@dataclass
class AnswerPage:
    """One page of a question's answers (``number`` from 1), with what the pager needs."""

    answers: list[Answer]
    number: int
    total: int
    per_page: int = ANSWERS_PER_PAGE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.answers)

    def __len__(self) -> int:
        return len(self.answers)


def answers_for_question(*, question: Question, viewer, page: int = 1,
                         per_page: int = ANSWERS_PER_PAGE) -> AnswerPage | None:
    """A page of the answers the viewer may see: the accepted one first, then by score, then
    oldest first; None when ``page`` is past the last one (page 1 always exists).

    The accepted answer counts only when published. Every answer gets ``badges``,
    ``is_accepted`` and ``viewer_vote`` (1, -1 or 0); the caller attaches the badges (with the
    question's, in one hook call). One query for the page and the total (a window count: the
    answers' rows carry no costly subqueries; a signed-in viewer's vote is one indexed lookup a
    row).
    """
    accepted_id = question.accepted_answer_id or 0
    start = (page - 1) * per_page
    queryset = (
        visible(Answer.objects.filter(question=question), viewer)
        .select_related("author__profile")
        .annotate(accepted_first=Case(When(pk=accepted_id, status=Status.PUBLISHED, then=Value(0)),
                                      default=Value(1), output_field=IntegerField()),
                  total=Window(Count("pk")))
    )
    if viewer is not None and viewer.is_authenticated:
        own_vote = AnswerVote.objects.filter(answer=OuterRef("pk"), voter=viewer).values("value")[:1]
        queryset = queryset.annotate(viewer_vote_value=Subquery(own_vote, output_field=IntegerField()))
    answers = list(queryset.order_by("accepted_first", "-score", "created", "pk")[start:start + per_page])
    if not answers and page > 1:
        return None
    for answer in answers:
        answer.question = question
        answer.is_accepted = answer.pk == accepted_id and answer.status == Status.PUBLISHED
        answer.viewer_vote = getattr(answer, "viewer_vote_value", None) or 0
    return AnswerPage(answers=answers, number=page, total=answers[0].total if answers else 0, per_page=per_page)


@dataclass
class ViewerState:
    """What the current viewer has done with one question."""

    voted: bool = False
    follows: bool = False
    own_answer: Answer | None = None


def _viewer_flags(viewer) -> dict:
    """Subqueries over a question's ``OuterRef("pk")``: the viewer's vote, follow and own answer
    (an answer the viewer deleted themselves does not count: they may answer again)."""
    own = (Answer.objects.filter(question=OuterRef("pk"), author=viewer)
           .exclude(status=Status.REMOVED, moderated_by=viewer).order_by("pk"))
    return {
        "viewer_voted": Subquery(QuestionVote.objects.filter(question=OuterRef("pk"), voter=viewer).values("pk")[:1]),
        "viewer_follows": Subquery(QuestionFollow.objects.filter(question=OuterRef("pk"), user=viewer).values("pk")[:1]),
        "viewer_own_id": Subquery(own.values("pk")[:1]),
        "viewer_own_status": Subquery(own.values("status")[:1]),
        "viewer_own_reason": Subquery(own.values("moderation_reason")[:1]),
    }


def viewer_state(*, question: Question, viewer, answers=None) -> ViewerState:
    """The viewer's vote, follow and own answer for ``question``: read with the question by
    :func:`question_for_page`, or one query."""
    state = ViewerState()
    if viewer is None or not viewer.is_authenticated:
        return state
    if hasattr(question, "viewer_own_id"):
        flags = question.__dict__
    else:
        flags = Question.objects.filter(pk=question.pk).annotate(**_viewer_flags(viewer)).values(
            "viewer_voted", "viewer_follows", "viewer_own_id", "viewer_own_status", "viewer_own_reason").first() or {}
    state.voted = flags.get("viewer_voted") is not None
    state.follows = flags.get("viewer_follows") is not None
    if flags.get("viewer_own_id") is not None:
        state.own_answer = Answer(pk=flags["viewer_own_id"], status=flags["viewer_own_status"],
                                  moderation_reason=flags["viewer_own_reason"] or "", question_id=question.pk,
                                  author_id=viewer.pk)
    return state


def attach_badges(items: list, *, product: ProductPage) -> None:
    """Give every question/answer in ``items`` its author's ``badges`` (one hook call in all).

    «Магазин» and «Купил(а) этот товар» come from the answer's flags computed when it was
    written; badges from other apps (the Expert badge) from the ``qa_author_badges`` hook.
    """
    extra = extra_author_badges(users={item.author_id: item.author for item in items}.values(), product=product)
    for item in items:
        badges: list[AuthorBadge] = []
        if getattr(item, "is_staff_answer", False):
            badges.append(SHOP_BADGE)
        if getattr(item, "is_verified_buyer", False):
            badges.append(BUYER_BADGE)
        badges.extend(extra.get(item.author_id, []))
        item.badges = badges


# --- lists of questions -----------------------------------------------------------------------


def _best_answer_id() -> Coalesce:
    """The accepted answer when published, else the best-scored published answer.

    Two scalar subqueries rather than one ordered by "accepted first": SQLite cannot see the
    outer row from a subquery's ORDER BY.
    """
    published = Answer.objects.filter(status=Status.PUBLISHED)
    accepted = published.filter(pk=OuterRef("accepted_answer_id")).values("pk")[:1]
    top = published.filter(question=OuterRef("pk")).order_by("-score", "created", "pk").values("pk")[:1]
    return Coalesce(Subquery(accepted), Subquery(top))


def _best_answer_row() -> Subquery:
    """The best answer (:func:`_best_answer_id`) with its author and the author's profile, as one
    JSON object (:func:`_answer_from_row`): the product page's top questions bring their best
    answers in their own query, so a cold cache reads no more for them."""
    user_model = Answer._meta.get_field("author").related_model
    profile_model = user_model._meta.get_field("profile").related_model

    def columns(model, prefix: str = "", skip: tuple = ()) -> dict[str, str]:
        return {f.attname: prefix + f.attname for f in model._meta.concrete_fields if f.attname not in skip}

    row = JSONObject(**columns(Answer), author_row=JSONObject(**columns(user_model, "author__", ("password",))),
                     profile_row=JSONObject(**columns(profile_model, "author__profile__")))
    best = Answer.objects.filter(pk=OuterRef("best_answer_id")).annotate(row=row).values("row")[:1]
    return Subquery(best, output_field=JSONField())


def _answer_from_row(row: dict) -> Answer:
    """The answer :func:`_best_answer_row` read, with its author and profile attached."""
    from community import json_rows

    answer = json_rows.instance(Answer, row)
    user_model = Answer._meta.get_field("author").related_model
    author = json_rows.instance(user_model, row["author_row"])
    if (row.get("profile_row") or {}).get("id") is not None:
        author.profile = json_rows.instance(user_model._meta.get_field("profile").related_model, row["profile_row"])
    answer.author = author
    return answer


def _with_best_answers(questions: list[Question], *, product: ProductPage, product_url: str) -> list[Question]:
    """Attach ``best_answer`` (with author), ``url`` and badges; one query for all the answers,
    none when the questions' query brought them (``best_answer_row``: :func:`_best_answer_row`)."""
    best_ids = [q.best_answer_id for q in questions if q.best_answer_id]
    if questions and hasattr(questions[0], "best_answer_row"):
        answers = {q.best_answer_id: _answer_from_row(q.best_answer_row) for q in questions if q.best_answer_row}
    elif best_ids:
        answers = {a.pk: a for a in Answer.objects.filter(pk__in=best_ids).select_related("author__profile")}
    else:
        answers = {}
    for question in questions:
        question.product = product
        question.url = question_url(product_url, product, question)
        question.best_answer = answers.get(question.best_answer_id)
        if question.best_answer is not None:
            question.best_answer.question = question
            question.best_answer.is_accepted = question.best_answer.pk == question.accepted_answer_id
    attach_badges([q.best_answer for q in questions if q.best_answer is not None], product=product)
    return questions


@dataclass
class ProductQuestions:
    """The product page's Q&A block: the top questions with their best answers, and the total."""

    questions: list[Question]
    total: int
    list_url: str
    ask_url: str
    similar_url: str = ""
    extra: dict = field(default_factory=dict)


def product_top_questions(*, product: ProductPage, viewer, limit: int = SECTION_QUESTIONS,
                          product_url: str | None = None) -> ProductQuestions:
    """Most answered, then most voted questions of ``product`` (one query).

    The order is the stored counters' (the ``qa_question_top`` index), so the database reads
    ``limit`` rows, not the product's whole question table: the total is an uncorrelated scalar
    subquery (computed once), not a window over every row, which made every row's best-answer
    subqueries run before the limit. Their best answers, with authors and profiles, come in the
    same query as a JSON column (:func:`_best_answer_row`).
    """
    from django.urls import reverse

    product_url = product_url if product_url is not None else product.url
    shown = visible(Question.objects.filter(product=product), viewer)
    total_rows = shown.order_by().values("product").annotate(n=Count("pk")).values("n")
    questions = list(
        shown.select_related("author__profile")
        .annotate(best_answer_id=_best_answer_id(), total=Subquery(total_rows, output_field=IntegerField()))
        .annotate(best_answer_row=_best_answer_row())
        .order_by("-answer_count", "-vote_score", "-created", "-pk")[:limit]
    )
    total = questions[0].total if questions else 0
    return ProductQuestions(
        questions=_with_best_answers(questions, product=product, product_url=product_url),
        total=total, list_url=question_list_url(product, product_url), ask_url=ask_url(product, product_url),
        similar_url=reverse("qa:similar"),
    )


@dataclass
class QuestionListing:
    page: PaginatorPage
    sort: str


def product_question_list(*, product: ProductPage, viewer, sort: str = "", page: str | int | None = 1,
                          product_url: str | None = None) -> QuestionListing:
    """The product's questions, sorted (newest, most voted, unanswered) and paginated (20 a page)."""
    sort = sort if sort in SORT_OPTIONS else DEFAULT_SORT
    product_url = product_url if product_url is not None else product.url
    queryset = visible(Question.objects.filter(product=product), viewer).select_related("author__profile")
    if sort == "votes":
        queryset = queryset.order_by("-vote_score", "-answer_count", "-created", "-pk")
    elif sort == "unanswered":
        queryset = queryset.filter(answer_count=0).order_by("-created", "-pk")
    else:
        queryset = queryset.order_by("-created", "-pk")
    queryset = queryset.annotate(best_answer_id=_best_answer_id())
    paginator = Paginator(queryset, QUESTIONS_PER_PAGE)
    try:
        result = paginator.page(page or 1)
    except PageNotAnInteger:
        result = paginator.page(1)
    except EmptyPage:
        result = paginator.page(paginator.num_pages)
    result.object_list = _with_best_answers(list(result.object_list), product=product, product_url=product_url)
    return QuestionListing(page=result, sort=sort)


def similar_questions(*, product: ProductPage, text: str, limit: int = SIMILAR_LIMIT,
                      exclude_id: int | None = None) -> list[Question]:
    """Published questions about ``product`` whose titles share most of ``text``'s words.

    The ``qa_similar_questions`` hook answers when an app registers it (the search engine); one
    more query loads its questions. Otherwise a candidate must share at least half of the
    text's meaningful word stems; the best overlap comes first, then the most answered. One
    query (at most 200 candidates).
    """
    ids = similar_question_ids(product_id=product.pk, text=text, limit=limit, exclude_id=exclude_id)
    if ids is not None:
        by_id = {q.pk: q for q in Question.objects.published().filter(product=product, pk__in=ids[:limit])
                 .exclude(pk=exclude_id or 0)
                 .only("pk", "title", "slug", "title_terms", "answer_count", "accepted_answer_id", "product_id")}
        found = [by_id[pk] for pk in ids if pk in by_id][:limit]
        for question in found:
            question.product = product
        return found
    wanted = terms.stems(text)
    if not wanted:
        return []
    condition = Q()
    for stem in wanted:
        condition |= Q(title_terms__contains=f" {stem}")
    candidates = (
        Question.objects.published().filter(product=product).filter(condition)
        .exclude(pk=exclude_id or 0)
        .only("pk", "title", "slug", "title_terms", "answer_count", "accepted_answer_id", "product_id")
        .order_by("-answer_count", "-created")[:SIMILAR_CANDIDATES]
    )
    needed = max(1, (len(wanted) + 1) // 2)
    scored = []
    for question in candidates:
        stored = question.title_terms.split()
        shared = sum(1 for stem in wanted if any(word.startswith(stem) or stem.startswith(word) for word in stored))
        if shared >= needed:
            scored.append((-shared, -question.answer_count, question.pk, question))
    scored.sort(key=lambda row: row[:3])
    result = [row[3] for row in scored[:limit]]
    for question in result:
        question.product = product
    return result


# --- the personal account ---------------------------------------------------------------------


def questions_of_user(*, user, limit: int = 20) -> list[Question]:
    """The user's own questions, newest first, whatever their status (for the personal account)."""
    return list(
        Question.objects.filter(author=user).exclude(status=Status.REMOVED, moderated_by=user)
        .select_related("product").order_by("-created")[:limit]
    )


def answers_of_user(*, user, limit: int = 20) -> list[Answer]:
    return list(
        Answer.objects.filter(author=user).exclude(status=Status.REMOVED, moderated_by=user)
        .select_related("question__product").order_by("-created")[:limit]
    )


def questions_waiting_for_answer(*, limit: int = 5) -> list[Question]:
    """The newest published questions nobody has answered yet, with product, author's profile
    and URL (one query, plus the site's root paths the first time Wagtail needs them)."""
    questions = list(
        Question.objects.published().filter(answer_count=0)
        .select_related("author__profile", "product")
        .order_by("-created", "-pk")[:limit]
    )
    for question in questions:
        question.url = question.get_url()
    return questions
