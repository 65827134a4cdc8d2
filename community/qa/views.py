"""Views of Q&A: thin — parse the request, call one service or selector, render or redirect.

Pages under a product (``product_page_routes``, views take ``(page, request, **kwargs)``):
the question list, the ask page (with the "did you mean" step) and each question's own page,
which also takes the answer form's POST. Actions live under ``/qa/``: votes, follow, accept,
edit, delete, flag, and the JSON "similar questions" lookup. Without JavaScript every action
is a form POST answered by a redirect back (with a message); with ``Accept: application/json``
the same URLs answer JSON (errors as 4xx with ``{"error": …}``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.accounts.trust import is_indexable
from community.catalog import selectors as catalog_selectors
from community.catalog.models import ProductPage
from community.http import rate_limited
from community.moderation import services as moderation_services
from community.moderation.models import Status
from community.qa import selectors, seo, services
from community.qa.forms import AnswerForm, FlagForm, QuestionEditForm, QuestionForm
from community.qa.models import Answer, Question, VoteValue
from community.qa.services import QAError
from community.text import excerpt

STATUS_FOR_ERROR = {"login_required": 401, "forbidden": 403, "gone": 410, "not_found": 404}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _login_required(request: HttpRequest, next_url: str, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": message}, status=401)
    messages.info(request, message)
    return redirect_to_login(next_url)


def _refused(request: HttpRequest, error: QAError | moderation_services.ModerationError, back: str) -> HttpResponse:
    message = getattr(error, "message", None) or str(error)
    if _wants_json(request):
        return JsonResponse({"error": message}, status=STATUS_FOR_ERROR.get(getattr(error, "code", ""), 400))
    messages.error(request, message)
    return HttpResponseRedirect(back)


def _done(request: HttpRequest, back: str, message: str = "", data: dict | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, **(data or {})})
    if message:
        messages.success(request, message)
    return HttpResponseRedirect(back)


def _answers_label(count: int) -> str:
    return ngettext("%(count)d answer", "%(count)d answers", count) % {"count": count}


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
        return _login_required(request, here, _("Log in to ask a question."))
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
                    form.add_error(error.field if error.field in form.fields else None, error.message)
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
        "page": page,
        "form": form,
        "similar": similar,
        "breadcrumbs": catalog_selectors.breadcrumbs(page),
        "product_url": product_url,
        "list_url": selectors.question_list_url(page, product_url),
        "ask_url": here,
        "similar_url": _similar_url(),
    }
    return TemplateResponse(request, "qa/ask.html", context, status=status)


@rate_limited("answer_post")
def question_detail(page: ProductPage, request: HttpRequest, question_id: int, slug: str) -> HttpResponse:
    """A question's own page with all its answers; a POST posts the viewer's answer."""
    question = selectors.question_for_page(product=page, question_id=question_id)
    if question is None:
        raise Http404
    if question.status == Status.REMOVED:
        return _gone(request, page, question)
    if not selectors.question_visible_to(question, request.user):
        raise Http404
    canonical = question.get_url(request)
    if slug != question.slug and request.method == "GET":
        return HttpResponsePermanentRedirect(canonical)
    form = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return _login_required(request, canonical, _("Log in to answer."))
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                answer = services.answer_post(author=request.user, question=question, text=form.cleaned_data["text"])
            except QAError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if answer.status == Status.PUBLISHED:
                    messages.success(request, _("Your answer is published. Thank you!"))
                else:
                    messages.info(request, _("Thank you! Your answer will appear after a moderator checks it."))
                return HttpResponseRedirect(f"{canonical}#{answer.anchor}")
    return _render_question(request, page, question, answer_form=form, status=400 if form is not None else 200)


def question_short(page: ProductPage, request: HttpRequest, question_id: int) -> HttpResponse:
    """``<product>/questions/<id>/`` redirects to the question's canonical URL."""
    question = selectors.question_for_page(product=page, question_id=question_id)
    if question is None:
        raise Http404
    return HttpResponsePermanentRedirect(question.get_url(request))


def _render_question(request: HttpRequest, page: ProductPage, question: Question, *,
                     answer_form: AnswerForm | None = None, status: int = 200) -> HttpResponse:
    product_url = page.get_url(request)
    answers = selectors.answers_for_question(question=question, viewer=request.user)
    state = selectors.viewer_state(question=question, viewer=request.user, answers=answers)
    selectors.attach_badges([question], product=page)
    first_public = next((a for a in answers if a.status == Status.PUBLISHED), None)
    question.best_answer_excerpt = excerpt(first_public.text_html, 155) if first_public else ""
    is_asker = request.user.is_authenticated and request.user.pk == question.author_id
    url = request.build_absolute_uri(question.get_url(request))
    context = {
        "page": page,
        "question": question,
        "answers": answers,
        "viewer": state,
        "is_asker": is_asker,
        "answer_form": answer_form or AnswerForm(),
        "breadcrumbs": catalog_selectors.breadcrumbs(page),
        "product_url": product_url,
        "list_url": selectors.question_list_url(page, product_url),
        # A page whose content is only by Newcomers is noindex (one decision: accounts.trust).
        "indexable": question.status == Status.PUBLISHED and is_indexable(
            [question.author] + [a.author for a in answers if a.status == Status.PUBLISHED]),
        "jsonld": seo.question_jsonld(question=question, answers=answers, url=url, request=request)
        if question.status == Status.PUBLISHED else "",
        "vote_up": VoteValue.UP,
        "vote_down": VoteValue.DOWN,
    }
    return TemplateResponse(request, "qa/question_page.html", context, status=status)


def _gone(request: HttpRequest, page: ProductPage, question: Question) -> HttpResponse:
    product_url = page.get_url(request)
    context = {
        "page": page,
        "question": question,
        "is_author": request.user.is_authenticated and request.user.pk == question.author_id,
        "breadcrumbs": catalog_selectors.breadcrumbs(page),
        "product_url": product_url,
        "list_url": selectors.question_list_url(page, product_url),
    }
    return TemplateResponse(request, "qa/question_gone.html", context, status=410)


def _similar_url() -> str:
    from django.urls import reverse

    return reverse("qa:similar")


# --- actions under /qa/ -----------------------------------------------------------------------


def _question(question_id: int) -> Question:
    return get_object_or_404(Question.objects.select_related("product", "author__profile"), pk=question_id)


def _answer(answer_id: int) -> Answer:
    return get_object_or_404(
        Answer.objects.select_related("question__product", "author__profile"), pk=answer_id
    )


@require_GET
def similar(request: HttpRequest) -> JsonResponse:
    """``GET /qa/similar/?product=<id>&q=<title>``: published questions like ``q`` (JSON)."""
    try:
        product_id = int(request.GET.get("product", ""))
    except ValueError:
        return JsonResponse({"error": _("Unknown product.")}, status=400)
    product = ProductPage.objects.live().filter(pk=product_id).first()
    if product is None:
        return JsonResponse({"error": _("Unknown product.")}, status=404)
    text = request.GET.get("q", "")[:200]
    found = selectors.similar_questions(product=product, text=text)
    product_url = product.get_url(request) if found else ""
    return JsonResponse({
        "results": [
            {
                "id": q.pk,
                "title": q.title,
                "url": selectors.question_url(product_url, product, q),
                "answers": q.answer_count,
                "answers_label": _answers_label(q.answer_count),
                "accepted": bool(q.accepted_answer_id),
            }
            for q in found
        ]
    })


@require_GET
def question_go(request: HttpRequest, question_id: int) -> HttpResponse:
    """A stable short link (``/qa/q/<id>/``) to a question's canonical page."""
    return HttpResponseRedirect(_question(question_id).get_url(request))


@require_POST
@rate_limited("vote")
def question_vote(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)
    back = question.get_url(request)
    if not request.user.is_authenticated:
        return _login_required(request, back, _("Log in to vote."))
    up = request.POST.get("action", "up") != "withdraw"
    try:
        services.question_vote(voter=request.user, question=question, up=up)
    except QAError as error:
        return _refused(request, error, back)
    message = _("Noted: you have the same question. We will tell you about answers.") if up else _("Vote withdrawn.")
    return _done(request, back, message, {"votes": question.vote_score, "voted": up})


@require_POST
def question_follow(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)
    back = question.get_url(request)
    if not request.user.is_authenticated:
        return _login_required(request, back, _("Log in to follow questions."))
    follow = request.POST.get("action", "follow") != "unfollow"
    try:
        services.question_follow(user=request.user, question=question, follow=follow)
    except QAError as error:
        return _refused(request, error, back)
    message = _("You follow this question.") if follow else _("You no longer follow this question.")
    return _done(request, back, message, {"follows": follow})


@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)
    back = question.get_url(request)
    if not request.user.is_authenticated:
        return _login_required(request, request.get_full_path(), _("Log in to edit your question."))
    if question.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can edit this question."))
    if question.status == Status.REMOVED:
        return _gone(request, question.product, question)
    status = 200
    if request.method == "POST":
        form = QuestionEditForm(request.POST)
        if form.is_valid():
            try:
                services.question_update(actor=request.user, question=question, title=form.cleaned_data["title"],
                                         details=form.cleaned_data["details"])
            except QAError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Your question is saved."))
                return HttpResponseRedirect(question.get_url(request))
        status = 400
    else:
        form = QuestionEditForm(initial={"title": question.title, "details": question.details})
    return _edit_page(request, question.product, question=question, form=form, back=back, status=status,
                      delete_url=_url("qa:question_delete", question.pk))


@require_POST
def question_delete(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)
    back = question.get_url(request)
    if not request.user.is_authenticated:
        return _login_required(request, back, _("Log in to delete your question."))
    try:
        services.question_delete(actor=request.user, question=question)
    except QAError as error:
        return _refused(request, error, back)
    return _done(request, selectors.question_list_url(question.product, question.product.get_url(request)),
                 _("Your question is deleted."))


@require_POST
@rate_limited("vote")
def answer_vote(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)
    back = answer.get_url(request)
    if not request.user.is_authenticated:
        return _login_required(request, back, _("Log in to vote."))
    try:
        value = int(request.POST.get("value", ""))
    except ValueError:
        value = 99
    try:
        vote = services.answer_vote(voter=request.user, answer=answer, value=value)
    except QAError as error:
        return _refused(request, error, back)
    message = _("Vote withdrawn.") if vote is None else _("Thank you for your vote.")
    return _done(request, back, message, {
        "up": answer.up_count, "down": answer.down_count, "score": answer.score, "vote": vote.value if vote else 0,
    })


@require_POST
def answer_accept(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)
    back = answer.get_url(request)
    if not request.user.is_authenticated:
        return _login_required(request, back, _("Log in to accept an answer."))
    try:
        services.answer_accept(actor=request.user, answer=answer)
    except QAError as error:
        return _refused(request, error, back)
    return _done(request, back, _("You accepted this answer: it is now shown first."), {"accepted": answer.pk})


@require_http_methods(["GET", "POST"])
def answer_edit(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)
    back = answer.get_url(request)
    if not request.user.is_authenticated:
        return _login_required(request, request.get_full_path(), _("Log in to edit your answer."))
    if answer.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can edit this answer."))
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.answer_update(actor=request.user, answer=answer, text=form.cleaned_data["text"])
            except QAError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Your answer is saved."))
                return HttpResponseRedirect(back)
        status = 400
    else:
        form = AnswerForm(initial={"text": answer.text})
    return _edit_page(request, answer.question.product, question=answer.question, answer=answer, form=form,
                      back=back, status=status, delete_url=_url("qa:answer_delete", answer.pk))


@require_POST
def answer_delete(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)
    back = answer.question.get_url(request)
    if not request.user.is_authenticated:
        return _login_required(request, back, _("Log in to delete your answer."))
    try:
        services.answer_delete(actor=request.user, answer=answer)
    except QAError as error:
        return _refused(request, error, back)
    return _done(request, back, _("Your answer is deleted."))


@require_http_methods(["GET", "POST"])
@rate_limited("flag")
def question_flag(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)
    return _flag(request, content=question, question=question, back=question.get_url(request))


@require_http_methods(["GET", "POST"])
@rate_limited("flag")
def answer_flag(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)
    return _flag(request, content=answer, question=answer.question, back=answer.get_url(request))


def _flag(request: HttpRequest, *, content: Question | Answer, question: Question, back: str) -> HttpResponse:
    """Report ``content`` to the moderators (a reason from the fixed list, optional comment)."""
    if not request.user.is_authenticated:
        return _login_required(request, request.get_full_path(), _("Log in to report content."))
    if content.status != Status.PUBLISHED or question.status != Status.PUBLISHED:
        raise Http404
    status = 200
    if request.method == "POST":
        form = FlagForm(request.POST)
        if form.is_valid():
            try:
                moderation_services.flag(reporter=request.user, content=content, reason=form.cleaned_data["reason"],
                                         text=form.cleaned_data["text"])
            except moderation_services.ModerationError as error:
                return _refused(request, error, back)
            return _done(request, back, _("Thank you: the moderators will look at it."))
        status = 400
    else:
        form = FlagForm()
    product = question.product
    product_url = product.get_url(request)
    context = {
        "page": product, "question": question, "content": content, "form": form, "back": back,
        "is_answer": isinstance(content, Answer), "breadcrumbs": catalog_selectors.breadcrumbs(product),
        "product_url": product_url, "list_url": selectors.question_list_url(product, product_url),
    }
    return TemplateResponse(request, "qa/flag.html", context, status=status)


def _edit_page(request: HttpRequest, product: ProductPage, *, question: Question, form, back: str, status: int,
               delete_url: str, answer: Answer | None = None) -> HttpResponse:
    product_url = product.get_url(request)
    context = {
        "page": product, "question": question, "answer": answer, "form": form, "back": back,
        "delete_url": delete_url, "breadcrumbs": catalog_selectors.breadcrumbs(product),
        "product_url": product_url, "list_url": selectors.question_list_url(product, product_url),
    }
    return TemplateResponse(request, "qa/edit.html", context, status=status)


def _url(name: str, pk: int) -> str:
    from django.urls import reverse

    return reverse(name, args=[pk])
