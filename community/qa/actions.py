"""Q&A actions under ``/qa/``: votes, follow, accept, edit, delete, flag, and the JSON "similar
questions" lookup (the pages under each product are in ``community/qa/views.py``).

Thin like every view: parse → one service → answer. Without JavaScript every action is a form
POST answered by a redirect back (with a message); with ``Accept: application/json`` the same
URLs answer JSON (errors as 4xx with ``{"error": …}``). The shape every POST action shares —
log-in answer, the service's refusal, success — is :func:`_act`, and the two edit pages share
:func:`_edit`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.catalog.models import ProductPage
from community.http import login_needed, rate_limited, wants_json
from community.moderation import services as moderation_services
from community.moderation.models import Status
from community.qa import selectors, services
from community.qa.forms import AnswerForm, FlagForm, QuestionEditForm
from community.qa.models import Answer, Question
from community.qa.services import QAError
from community.qa.views import form_error, gone_page, product_context

STATUS_FOR_ERROR = {"login_required": 401, "forbidden": 403, "gone": 410, "not_found": 404}

# What an action's body returns on success: the message to show and the JSON fields to add.
Outcome = tuple[str, dict | None]


def _refused(request: HttpRequest, error: QAError | moderation_services.ModerationError, back: str) -> HttpResponse:
    message = getattr(error, "message", None) or str(error)
    if wants_json(request):
        return JsonResponse({"error": message}, status=STATUS_FOR_ERROR.get(getattr(error, "code", ""), 400))
    messages.error(request, message)
    return HttpResponseRedirect(back)


def _done(request: HttpRequest, back: str, message: str = "", data: dict | None = None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"ok": True, "message": message, **(data or {})})
    if message:
        messages.success(request, message)
    return HttpResponseRedirect(back)


def _act(request: HttpRequest, *, back: str, login_message: str, action: Callable[[], Outcome],
         done_url: str | None = None) -> HttpResponse:
    """Run ``action`` for the signed-in viewer: anonymous → the log-in answer (back to ``back``);
    a domain refusal → its message (4xx for scripts); success → ``done_url`` (else ``back``)."""
    if not request.user.is_authenticated:
        return login_needed(request, message=login_message, next_url=back)
    try:
        message, data = action()
    except (QAError, moderation_services.ModerationError) as error:
        return _refused(request, error, back)
    return _done(request, done_url or back, message, data)


def _question(question_id: int) -> Question:
    return get_object_or_404(Question.objects.select_related("product", "author__profile"), pk=question_id)


def _answer(answer_id: int) -> Answer:
    return get_object_or_404(
        Answer.objects.select_related("question__product", "author__profile"), pk=answer_id
    )


def _answers_label(count: int) -> str:
    return ngettext("%(count)d answer", "%(count)d answers", count) % {"count": count}


# --- reading ------------------------------------------------------------------------------------


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


# --- questions ----------------------------------------------------------------------------------


@require_POST
@rate_limited("vote")
def question_vote(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)
    up = request.POST.get("action", "up") != "withdraw"

    def vote() -> Outcome:
        services.question_vote(voter=request.user, question=question, up=up)
        message = (_("Noted: you have the same question. We will tell you about answers.") if up
                   else _("Vote withdrawn."))
        return message, {"votes": question.vote_score, "voted": up}

    return _act(request, back=question.get_url(request), login_message=_("Log in to vote."), action=vote)


@require_POST
def question_follow(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)
    follow = request.POST.get("action", "follow") != "unfollow"

    def follow_question() -> Outcome:
        services.question_follow(user=request.user, question=question, follow=follow)
        message = _("You follow this question.") if follow else _("You no longer follow this question.")
        return message, {"follows": follow}

    return _act(request, back=question.get_url(request), login_message=_("Log in to follow questions."),
                action=follow_question)


@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)

    def save(data: dict) -> str:
        services.question_update(actor=request.user, question=question, title=data["title"], details=data["details"])
        return question.get_url(request)

    return _edit(
        request, question=question, form_class=QuestionEditForm, author_id=question.author_id,
        initial={"title": question.title, "details": question.details}, save=save,
        login_message=_("Log in to edit your question."),
        not_author_message=_("Only the author can edit this question."),
        saved_message=_("Your question is saved."), removed=question.status == Status.REMOVED,
        back=question.get_url(request), delete_url=reverse("qa:question_delete", args=[question.pk]),
    )


@require_POST
def question_delete(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(question_id)

    def delete() -> Outcome:
        services.question_delete(actor=request.user, question=question)
        return _("Your question is deleted."), None

    product = question.product
    return _act(request, back=question.get_url(request), login_message=_("Log in to delete your question."),
                action=delete, done_url=selectors.question_list_url(product, product.get_url(request)))


# --- answers ------------------------------------------------------------------------------------


@require_POST
@rate_limited("vote")
def answer_vote(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)
    try:
        value = int(request.POST.get("value", ""))
    except ValueError:
        value = 99

    def vote() -> Outcome:
        cast = services.answer_vote(voter=request.user, answer=answer, value=value)
        message = _("Vote withdrawn.") if cast is None else _("Thank you for your vote.")
        return message, {"up": answer.up_count, "down": answer.down_count, "score": answer.score,
                         "vote": cast.value if cast else 0}

    return _act(request, back=answer.get_url(request), login_message=_("Log in to vote."), action=vote)


@require_POST
def answer_accept(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)

    def accept() -> Outcome:
        services.answer_accept(actor=request.user, answer=answer)
        return _("You accepted this answer: it is now shown first."), {"accepted": answer.pk}

    return _act(request, back=answer.get_url(request), login_message=_("Log in to accept an answer."),
                action=accept)


@require_http_methods(["GET", "POST"])
def answer_edit(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)
    back = answer.get_url(request)

    def save(data: dict) -> str:
        services.answer_update(actor=request.user, answer=answer, text=data["text"])
        return back

    return _edit(
        request, question=answer.question, answer=answer, form_class=AnswerForm, author_id=answer.author_id,
        initial={"text": answer.text}, save=save, login_message=_("Log in to edit your answer."),
        not_author_message=_("Only the author can edit this answer."), saved_message=_("Your answer is saved."),
        back=back, delete_url=reverse("qa:answer_delete", args=[answer.pk]),
    )


@require_POST
def answer_delete(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(answer_id)

    def delete() -> Outcome:
        services.answer_delete(actor=request.user, answer=answer)
        return _("Your answer is deleted."), None

    return _act(request, back=answer.question.get_url(request), login_message=_("Log in to delete your answer."),
                action=delete)


# --- reports ------------------------------------------------------------------------------------


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
        return login_needed(request, message=_("Log in to report content."), next_url=request.get_full_path())
    if content.status != Status.PUBLISHED or question.status != Status.PUBLISHED:
        raise Http404
    status = 200
    if request.method == "POST":
        form = FlagForm(request.POST)
        if form.is_valid():
            def report() -> Outcome:
                moderation_services.flag(reporter=request.user, content=content, reason=form.cleaned_data["reason"],
                                         text=form.cleaned_data["text"])
                return _("Thank you: the moderators will look at it."), None

            return _act(request, back=back, login_message="", action=report)
        status = 400
    else:
        form = FlagForm()
    context = {
        **product_context(request, question.product),
        "question": question, "content": content, "form": form, "back": back, "is_answer": isinstance(content, Answer),
    }
    return TemplateResponse(request, "qa/flag.html", context, status=status)


# --- the edit pages -----------------------------------------------------------------------------


def _edit(request: HttpRequest, *, question: Question, form_class: type[Form], author_id: int, initial: dict,
          save: Callable[[dict], str], login_message: str, not_author_message: str, saved_message: str,
          back: str, delete_url: str, answer: Answer | None = None, removed: bool = False) -> HttpResponse:
    """The author's edit page of a question or an answer: GET shows the form; a valid POST calls
    ``save(cleaned_data)`` (which returns where to go) or shows the service's refusal on the form."""
    if not request.user.is_authenticated:
        return login_needed(request, message=login_message, next_url=request.get_full_path())
    if author_id != request.user.pk:
        raise PermissionDenied(not_author_message)
    if removed:
        return gone_page(request, question.product, question)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                saved_url = save(form.cleaned_data)
            except QAError as error:
                form_error(form, error)
            else:
                messages.success(request, saved_message)
                return HttpResponseRedirect(saved_url)
        status = 400
    else:
        form = form_class(initial=initial)
    context = {
        **product_context(request, question.product),
        "question": question, "answer": answer, "form": form, "back": back, "delete_url": delete_url,
    }
    return TemplateResponse(request, "qa/edit.html", context, status=status)
