"""Q&A pages under a product: thin — parse the request, call one service or selector, render.

Routes of the product page (``product_page_routes``, views take ``(page, request, **kwargs)``):
the question list, the ask page (with the "did you mean" step) and each question's own page,
which also takes the answer form's POST. The actions on one question or answer (votes, follow,
accept, edit, delete, flag, the JSON "similar questions" lookup) live under ``/qa/`` in
``community/qa/actions.py``.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from community import fragments
from community.accounts.trust import is_indexable
from community.catalog import selectors as catalog_selectors
from community.catalog.models import ProductPage
from community.http import login_needed, parse_int, rate_limited
from community.moderation.models import Status
from community.qa import selectors, seo, services
from community.qa.forms import AnswerForm, QuestionForm
from community.qa.models import Question
from community.qa.services import QAError
from community.templatetags.author_tags import author_fingerprint
from community.text import excerpt


def form_error(form, error: QAError) -> None:
    """Show a service's refusal on its field when the form has it, else above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def product_context(request: HttpRequest, product: ProductPage) -> dict:
    """What every Q&A page under ``product`` shows around its content: breadcrumbs and links."""
    product_url = product.get_url(request)
    return {
        "page": product,
        "breadcrumbs": catalog_selectors.breadcrumbs(product),
        "product_url": product_url,
        "list_url": selectors.question_list_url(product, product_url),
    }


# --- pages under a product --------------------------------------------------------------------


def question_list(page: ProductPage, request: HttpRequest) -> HttpResponse:
    """``<product>/questions/``: all questions about the product, sortable, 20 a page."""
    product_url = page.get_url(request)
    listing = selectors.product_question_list(
        product=page, viewer=request.user, sort=request.GET.get("sort", ""), page=request.GET.get("page"),
        product_url=product_url,
    )
    context = {
        "page": page,
        "questions": listing.page,
        "sort": listing.sort,
        "sort_options": selectors.SORT_OPTIONS,
        "default_sort": selectors.DEFAULT_SORT,
        "breadcrumbs": catalog_selectors.breadcrumbs(page),
        "product_url": product_url,
        "ask_url": selectors.ask_url(page, product_url),
        "form": QuestionForm(),
        "similar_url": _similar_url(),
    }
    return TemplateResponse(request, "qa/question_list.html", context)


@rate_limited("question_ask")
def question_ask(page: ProductPage, request: HttpRequest) -> HttpResponse:
    """``<product>/questions/ask/``: the ask form; a POST may first show similar questions."""
    here = selectors.ask_url(page, page.get_url(request))
    if not request.user.is_authenticated:
        return login_needed(request, message=_("Log in to ask a question."), next_url=here)
    similar: list[Question] = []
    status = 200
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if not data["similar_checked"]:
                similar = selectors.similar_questions(product=page, text=data["title"])
            if similar:
                # "Did you mean": show them, and let the shopper ask anyway with one click.
                form = QuestionForm(initial={**data, "similar_checked": True})
            else:
                try:
                    question = services.question_ask(
                        author=request.user, product=page, title=data["title"], details=data["details"]
                    )
                except QAError as error:
                    form_error(form, error)
                else:
                    if question.status == Status.PUBLISHED:
                        messages.success(request, _("Your question is published. We will tell you about answers."))
                    else:
                        messages.info(request, _("Thank you! Your question will appear after a moderator checks it."))
                    return HttpResponseRedirect(question.get_url(request))
        if form.errors:
            status = 400
    else:
        form = QuestionForm(initial={"title": request.GET.get("title", "")[:200]})
    product_url = page.get_url(request)
    for question in similar:
        question.url = selectors.question_url(product_url, page, question)
    context = {
        **product_context(request, page),
        "form": form,
        "similar": similar,
        "ask_url": here,
        "similar_url": _similar_url(),
    }
    return TemplateResponse(request, "qa/ask.html", context, status=status)


@rate_limited("answer_post")
def question_detail(page: ProductPage, request: HttpRequest, question_id: int, slug: str) -> HttpResponse:
    """A question's own page with a page of its answers; a POST posts the viewer's answer."""
    question = selectors.question_for_page(product=page, question_id=question_id, viewer=request.user)
    if question is None:
        raise Http404
    if question.status == Status.REMOVED:
        return gone_page(request, page, question)
    if not selectors.question_visible_to(question, request.user):
        raise Http404
    canonical = question.get_url(request)
    if slug != question.slug and request.method == "GET":
        return HttpResponsePermanentRedirect(canonical)
    form = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return login_needed(request, message=_("Log in to answer."), next_url=canonical)
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                answer = services.answer_post(author=request.user, question=question, text=form.cleaned_data["text"])
            except QAError as error:
                form_error(form, error)
            else:
                if answer.status == Status.PUBLISHED:
                    messages.success(request, _("Your answer is published. Thank you!"))
                else:
                    messages.info(request, _("Thank you! Your answer will appear after a moderator checks it."))
                return HttpResponseRedirect(f"{canonical}#{answer.anchor}")
    return _render_question(request, page, question, answer_form=form, status=400 if form is not None else 200)


def _page_number(request: HttpRequest) -> int | None:
    """``?page=N`` (1 without it); None for anything but a positive integer."""
    raw = request.GET.get("page")
    if raw is None:
        return 1
    number = parse_int(raw)
    return number if number else None


def question_short(page: ProductPage, request: HttpRequest, question_id: int) -> HttpResponse:
    """``<product>/questions/<id>/`` redirects to the question's canonical URL."""
    question = selectors.question_for_page(product=page, question_id=question_id)
    if question is None:
        raise Http404
    return HttpResponsePermanentRedirect(question.get_url(request))


def _answer_fingerprint(answer) -> tuple:
    """Everything ``qa/includes/answer_head.html`` shows of a published answer."""
    return (answer.pk, answer.is_accepted, answer.created, answer.edited_at,
            hashlib.blake2b(answer.text_html.encode(), digest_size=16).hexdigest(),
            author_fingerprint(answer.author, badges=answer.badges))


def _render_question(request: HttpRequest, page: ProductPage, question: Question, *,
                     answer_form: AnswerForm | None = None, status: int = 200) -> HttpResponse:
    number = _page_number(request) if request.method == "GET" else 1
    if number is None:
        raise Http404
    canonical = question.get_url(request)
    if number == 1 and "page" in request.GET:
        return HttpResponsePermanentRedirect(canonical)  # one URL for the first page
    answers = selectors.answers_for_question(question=question, viewer=request.user, page=number)
    if answers is None:
        raise Http404
    state = selectors.viewer_state(question=question, viewer=request.user)
    selectors.attach_badges([question, *answers], product=page)
    # A published answer's author, time and text are the same for every viewer: rendered once.
    fragments.render_once([answer for answer in answers if answer.status == Status.PUBLISHED], name="qa:answer",
                          template="qa/includes/answer_head.html", variable="answer", fingerprint=_answer_fingerprint)
    first_public = next((a for a in answers if a.status == Status.PUBLISHED), None)
    question.best_answer_excerpt = excerpt(first_public.text_html, 155) if first_public else ""
    is_asker = request.user.is_authenticated and request.user.pk == question.author_id
    url = request.build_absolute_uri(canonical)
    context = {
        **product_context(request, page),
        "question": question,
        "answers": answers,
        "viewer": state,
        "is_asker": is_asker,
        "answer_form": answer_form or AnswerForm(),
        # A page whose content is only by Newcomers is noindex (one decision: accounts.trust).
        "indexable": question.status == Status.PUBLISHED and is_indexable(
            [question.author] + [a.author for a in answers if a.status == Status.PUBLISHED]),
        "jsonld": seo.question_jsonld(question=question, answers=answers, url=url, request=request)
        if question.status == Status.PUBLISHED else "",
    }
    return TemplateResponse(request, "qa/question_page.html", context, status=status)


def gone_page(request: HttpRequest, page: ProductPage, question: Question) -> HttpResponse:
    """410 for a removed question (its author is told why)."""
    context = {
        **product_context(request, page),
        "question": question,
        "is_author": request.user.is_authenticated and request.user.pk == question.author_id,
    }
    return TemplateResponse(request, "qa/question_gone.html", context, status=410)


def _similar_url() -> str:
    return reverse("qa:similar")
