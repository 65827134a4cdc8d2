"""Q&A's part of the public API (``/api/v1/``): a product's questions with their best answers,
a question with its answers, and a single answer.

Only published questions and answers of live products; the best answer is the accepted one,
else the best voted (as on the site). A fixed number of queries per operation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from community.api import ERRORS, ApiError, AuthorOut, author_out, last_modified, product_by_sku, product_url
from community.moderation.models import Status
from community.qa import selectors
from community.qa.models import Answer, Question
from community.seo import absolute_url, latest

API_ANSWERS_PER_PAGE = 50

router = Router(tags=["questions"])


class AnswerOut(Schema):
    id: int
    question_id: int
    url: str
    text_html: str
    created: datetime
    edited_at: datetime | None
    score: int
    up_count: int
    down_count: int
    is_accepted: bool
    by_shop: bool
    by_verified_buyer: bool
    author: AuthorOut


class QuestionOut(Schema):
    id: int
    url: str
    sku: str
    title: str
    details_html: str
    created: datetime
    edited_at: datetime | None
    answer_count: int
    vote_score: int
    author: AuthorOut
    best_answer: AnswerOut | None


class QuestionPageOut(Schema):
    sku: str
    product_url: str
    count: int
    page: int
    pages: int
    page_size: int
    items: list[QuestionOut]


class QuestionDetailOut(QuestionOut):
    answers: list[AnswerOut]
    #: The answers come a page at a time (``?page=N``, ``API_ANSWERS_PER_PAGE`` each, the accepted
    #: one first, then by votes), like the question page.
    answers_total: int
    page: int
    pages: int


def _answer(answer: Answer, *, question: Question, url: str) -> dict:
    return {
        "id": answer.pk,
        "question_id": question.pk,
        "url": f"{url}#{answer.anchor}",
        "text_html": answer.text_html,
        "created": answer.created,
        "edited_at": answer.edited_at,
        "score": answer.score,
        "up_count": answer.up_count,
        "down_count": answer.down_count,
        "is_accepted": answer.pk == question.accepted_answer_id,
        "by_shop": answer.is_staff_answer,
        "by_verified_buyer": answer.is_verified_buyer,
        "author": author_out(answer.author),
    }


def _question(question: Question, *, sku: str, url: str, best: Answer | None) -> dict:
    return {
        "id": question.pk,
        "url": url,
        "sku": sku,
        "title": question.title,
        "details_html": question.details_html,
        "created": question.created,
        "edited_at": question.edited_at,
        "answer_count": question.answer_count,
        "vote_score": question.vote_score,
        "author": author_out(question.author),
        "best_answer": _answer(best, question=question, url=url) if best is not None else None,
    }


def _changed(item) -> datetime | None:
    return latest(item.created, item.edited_at, item.moderated_at)


class QuestionQuery(Schema):
    sort: Literal["newest", "votes", "unanswered"] = "newest"
    page: int = 1


@router.get("/products/{sku}/questions", response={200: QuestionPageOut, **ERRORS},
            summary="A product's published questions with their best answers, 20 a page")
def product_questions(request: HttpRequest, response: HttpResponse, sku: str, query: Query[QuestionQuery]):
    product = product_by_sku(sku)
    base = product_url(product)
    listing = selectors.product_question_list(product=product, viewer=None, sort=query.sort, page=query.page,
                                              product_url=base)
    page = listing.page
    if query.page != page.number:
        raise ApiError(404, "page_out_of_range", _("There is no such page."))
    questions = list(page.object_list)
    last_modified(response, *(_changed(q) for q in questions),
                  *(_changed(q.best_answer) for q in questions if q.best_answer is not None))
    return {
        "sku": product.sku,
        "product_url": base,
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "page_size": selectors.QUESTIONS_PER_PAGE,
        "items": [_question(q, sku=product.sku, url=absolute_url(q.url), best=q.best_answer) for q in questions],
    }


def _published_question(question_id: int) -> Question:
    question = Question.objects.select_related("author__profile", "product").filter(pk=question_id).first()
    if question is None or not question.product.live or question.status in (Status.PENDING, Status.REJECTED):
        raise ApiError(404, "not_found", _("No such question."))
    if question.status != Status.PUBLISHED:
        raise ApiError(410, "gone", _("This question is no longer published."))
    return question


def _question_url(question: Question) -> str:
    return absolute_url(selectors.question_url(product_url(question.product), question.product, question))


@router.get("/questions/{question_id}", response={200: QuestionDetailOut, **ERRORS},
            summary="One published question with its published answers")
def question_detail(request: HttpRequest, response: HttpResponse, question_id: int, page: int = 1):
    question = _published_question(question_id)
    found = (selectors.answers_for_question(question=question, viewer=None, page=page, per_page=API_ANSWERS_PER_PAGE)
             if 1 <= page <= 10_000 else None)
    if found is None:
        raise ApiError(404, "page_out_of_range", _("There is no such page."))
    answers = found.answers
    url = _question_url(question)
    if page > 1:  # the best answer (accepted, else the top-voted) heads page 1
        answers_first = selectors.answers_for_question(question=question, viewer=None, per_page=1).answers
    else:
        answers_first = answers
    best = answers_first[0] if answers_first else None
    data = _question(question, sku=question.product.sku, url=url, best=best)
    data["answers"] = [_answer(a, question=question, url=url) for a in answers]
    data.update(answers_total=found.total, page=found.number, pages=found.num_pages)
    last_modified(response, _changed(question), *(_changed(a) for a in answers))
    return data


@router.get("/answers/{answer_id}", response={200: AnswerOut, **ERRORS}, summary="One published answer")
def answer_detail(request: HttpRequest, response: HttpResponse, answer_id: int):
    answer = Answer.objects.select_related("author__profile", "question").filter(pk=answer_id).first()
    if answer is None or answer.status in (Status.PENDING, Status.REJECTED):
        raise ApiError(404, "not_found", _("No such answer."))
    question = _published_question(answer.question_id)
    if answer.status != Status.PUBLISHED:
        raise ApiError(410, "gone", _("This answer is no longer published."))
    last_modified(response, _changed(answer))
    return _answer(answer, question=question, url=_question_url(question))
