"""«Голоса» in the admin: who voted on any review, answer or question, and whether it counted."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from community.moderation.services import can_moderate
from experts import sources, votes
from experts.admin.policies import ModeratorsMenuItem


class VoteSearchForm(forms.Form):
    kind = forms.ChoiceField(label=_("Voted on"), choices=[
        (sources.REVIEW, _("Reviews")), (sources.ANSWER, _("Answers")), (sources.QUESTION, _("Questions")),
    ], initial=sources.REVIEW, required=False)
    content = forms.IntegerField(label=_("Content id"), required=False, min_value=1)
    voter = forms.CharField(label=_("Voter (username)"), required=False, max_length=150)
    author = forms.CharField(label=_("Author (username)"), required=False, max_length=150)


class VotesView(WagtailAdminTemplateMixin, TemplateView):
    """Who voted on what: every vote with the voter, its value, time and whether it carried
    reputation (and why not) — for any review, answer or question."""

    template_name = "experts/admin/votes.html"
    header_icon = "group"
    page_title = _("Votes")
    per_page = 50

    def dispatch(self, request, *args, **kwargs):
        if not can_moderate(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = VoteSearchForm(self.request.GET or None)
        criteria = form.cleaned_data if form.is_valid() else {}
        listing = votes.vote_listing(
            kind=criteria.get("kind") or sources.REVIEW, content_id=criteria.get("content"),
            voter=criteria.get("voter") or "", author=criteria.get("author") or "",
        )
        page = Paginator(listing, self.per_page).get_page(self.request.GET.get("p"))
        context.update(form=form, page=page, rows=votes.describe(page.object_list),
                       query=self.request.GET.copy())
        context["query"].pop("p", None)
        return context




class VotesViewSet(ViewSet):
    """Hosts the "who voted" view in the reputation menu."""

    icon = "group"
    menu_label = _("Votes")
    menu_item_class = ModeratorsMenuItem

    def get_urlpatterns(self):
        return [path("", VotesView.as_view(), name="index")]
