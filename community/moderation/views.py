"""The moderators' admin pages: the one queue (filters, claim, decisions one by one or in bulk)
and a user's moderation page (record, mute, ban, unban, remove everything).

Thin views: the forms parse, :mod:`community.moderation.selectors` reads and
:mod:`community.moderation.decisions` / :mod:`community.moderation.sanctions` write.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from community.http import parse_int
from community.moderation import appeals, decisions, sanctions, selectors, services
from community.moderation.models import (
    Appeal,
    Decision,
    DecisionAction,
    DecisionReason,
    QueueItem,
    QueueReason,
)
from community.moderation.queue import queue_claim
from community.moderation.registry import kind_choices


class ModeratorRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not services.can_moderate(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    reason = forms.ChoiceField(label=gettext_lazy("Why"), required=False,
                               choices=[("", gettext_lazy("Any")), *QueueReason.choices])
    product = forms.CharField(label=gettext_lazy("Product"), required=False, max_length=100)
    category = forms.TypedChoiceField(label=gettext_lazy("Category"), required=False, coerce=int, empty_value=None)
    author = forms.CharField(label=gettext_lazy("Author"), required=False, max_length=150)
    claimed = forms.ChoiceField(label=gettext_lazy("Claimed"), required=False, choices=[
        ("", gettext_lazy("Any")), ("mine", gettext_lazy("By me")), ("unclaimed", gettext_lazy("Nobody"))])
    order = forms.ChoiceField(label=gettext_lazy("Sort order"), required=False, choices=[
        ("oldest", gettext_lazy("Oldest first")), ("priority", gettext_lazy("By priority")),
        ("newest", gettext_lazy("Newest first"))])

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any")), *kind_choices()]
        self.fields["category"].choices = [("", _("Any")), *categories]


class DecisionForm(forms.Form):
    items = forms.TypedMultipleChoiceField(coerce=int, label=gettext_lazy("Items"))
    action = forms.ChoiceField(label=gettext_lazy("Decision"), choices=DecisionAction.choices)
    reason_code = forms.ChoiceField(label=gettext_lazy("Reason"), required=False,
                                    choices=[("", "—"), *DecisionReason.choices])
    reason = forms.CharField(label=gettext_lazy("Explanation for the author"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    mute_days = forms.IntegerField(label=gettext_lazy("And mute the author for (days)"), required=False,
                                   min_value=0, max_value=sanctions.MAX_MUTE_DAYS)

    def __init__(self, *args, item_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(pk, pk) for pk in item_ids]


def _queue_categories() -> list[tuple[int, str]]:
    ids = QueueItem.objects.open().exclude(category__isnull=True).values("category_id")
    return list(Page.objects.filter(pk__in=ids).order_by("title").values_list("pk", "title"))


class QueueView(ModeratorRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """Everything awaiting a decision, oldest first or by priority."""

    template_name = "moderation/admin/queue.html"
    page_title = gettext_lazy("Moderation queue")
    header_icon = "warning"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = QueueFilterForm(self.request.GET or None, categories=_queue_categories())
        filters = form.cleaned_data if form.is_valid() else {}
        items = selectors.queue_items(
            kind=filters.get("kind") or "", reason=filters.get("reason") or "", product=filters.get("product") or "",
            category_id=filters.get("category"), author=filters.get("author") or "",
            claimed=filters.get("claimed") or "", moderator=self.request.user, order=filters.get("order") or "oldest",
        )
        queue = selectors.queue_page(items=items, page_number=self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(
            filter_form=form, queue=queue, decision_form=DecisionForm(),
            kind_labels=dict(kind_choices()), query=query.urlencode(), me=self.request.user,
        )
        return context


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("moderation_queue")


def queue_decide(request: HttpRequest) -> HttpResponse:
    """POST: one decision for the selected items (one or many), all or nothing."""
    if not services.can_moderate(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("moderation_queue")
    ids = [number for v in request.POST.getlist("items") if (number := parse_int(v)) is not None]
    form = DecisionForm(request.POST, item_ids=ids)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(_back(request))
    data = form.cleaned_data
    try:
        result = decisions.queue_decide(
            moderator=request.user, items=decisions.items_for(data["items"]), action=data["action"],
            reason_code=data["reason_code"], reason=data["reason"], mute_days=data["mute_days"] or 0,
        )
    except (services.ModerationError, sanctions.SanctionError) as error:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": error})
        return redirect(_back(request))
    messages.success(request, _("“%(action)s” applied to %(count)d item(s).") % {
        "action": DecisionAction(result.action).label, "count": result.done})
    return redirect(_back(request))


def queue_claim_view(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: claim an item (or release one's claim with ``release=1``)."""
    if not services.can_moderate(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("moderation_queue")
    item = get_object_or_404(QueueItem, pk=pk)
    try:
        queue_claim(moderator=request.user, item=item, release=request.POST.get("release") == "1")
    except services.ModerationError as error:
        messages.error(request, str(error))
    return redirect(_back(request))


class SanctionForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=[
        ("mute", gettext_lazy("Mute (cannot post)")), ("ban", gettext_lazy("Ban (cannot sign in)")),
        ("unsanction", gettext_lazy("Lift the mute or ban")),
        ("remove_all", gettext_lazy("Remove everything by this user"))], widget=forms.RadioSelect)
    days = forms.IntegerField(label=gettext_lazy("Mute for (days)"), required=False, min_value=1,
                              max_value=sanctions.MAX_MUTE_DAYS, initial=7)
    reason = forms.CharField(label=gettext_lazy("Reason (the user is shown it)"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("action") == "mute" and not data.get("days"):
            self.add_error("days", _("How many days?"))
        return data


class UserModerationView(ModeratorRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """A user's moderation page: what they wrote, reported and were decided against; sanctions."""

    template_name = "moderation/admin/user.html"
    header_icon = "user"

    def dispatch(self, request, *args, **kwargs):
        if not services.can_moderate(request.user):
            raise PermissionDenied
        self.subject = get_object_or_404(get_user_model().objects.select_related("profile"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Moderation: %(user)s") % {"user": self.subject.get_username()}

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("moderation_queue"), "label": _("Moderation queue")},
                {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(record=selectors.user_record(user=self.subject), subject=self.subject,
                       form=form or SanctionForm(), sections=selectors.user_sections(user=self.subject))
        return context

    def post(self, request, *args, **kwargs):
        form = SanctionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "mute":
                    sanctions.user_mute(moderator=request.user, user=self.subject, days=data["days"], reason=data["reason"])
                elif data["action"] == "ban":
                    sanctions.user_ban(moderator=request.user, user=self.subject, reason=data["reason"])
                elif data["action"] == "unsanction":
                    sanctions.user_unsanction(moderator=request.user, user=self.subject, reason=data["reason"])
                else:
                    count = decisions.user_content_remove_all(moderator=request.user, user=self.subject,
                                                              reason=data["reason"])
                    messages.success(request, _("%(count)d item(s) removed.") % {"count": count})
            except (sanctions.SanctionError, services.ModerationError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Done."))
                return redirect("moderation_user", pk=self.subject.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- appeals: the author's form (site) and the moderator's answer (admin) ---------------------


def appeal_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """POST (admin): grant or deny an appeal with an answer the author is shown; final."""
    if not services.can_moderate(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("moderation_queue")
    appeal = get_object_or_404(Appeal, pk=pk)
    try:
        appeals.appeal_decide(moderator=request.user, appeal=appeal, grant=request.POST.get("grant") == "1",
                              answer=request.POST.get("answer", "")[:1000])
    except services.ModerationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The appeal is answered."))
    return redirect(_back(request))


@login_required
@require_POST
def appeal_create_view(request: HttpRequest, decision_id: int) -> HttpResponse:
    """POST (the personal account): appeal a decision on one's own content, once."""
    decision = get_object_or_404(Decision, pk=decision_id, author=request.user)
    try:
        appeals.appeal_create(author=request.user, decision=decision, text=request.POST.get("text", "")[:5000])
    except (services.ModerationError, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your appeal is sent: a moderator will answer it."))
    return redirect(reverse("cabinet") + "#moderation")
