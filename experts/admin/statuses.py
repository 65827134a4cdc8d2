"""Expert statuses in the admin: the list, each status with its criteria and log, and the
moderators' grant / revoke / follow-the-rules form."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.models import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.models import ModelLogEntry

from community.admin_roles import ReadOnlyForModerators
from community.catalog.models import CategoryPage
from community.moderation.services import can_moderate
from experts import services
from experts.models import ExpertStatus, Override


class StatusFilterSet(WagtailFilterSet):
    is_expert = django_filters.BooleanFilter(label=_("Expert"))
    override = django_filters.ChoiceFilter(label=_("Override"), choices=Override.choices[1:])
    user = django_filters.CharFilter(label=_("User (username)"), field_name="user__username", lookup_expr="iexact")

    class Meta:
        model = ExpertStatus
        fields = ["is_expert", "override", "category"]


class OverrideForm(forms.Form):
    username = forms.CharField(label=_("User's username"), max_length=150)
    category = forms.ModelChoiceField(label=_("Category"), queryset=CategoryPage.objects.none())
    action = forms.ChoiceField(label=_("Action"), widget=forms.RadioSelect, choices=[
        (Override.GRANT, _("Grant Expert status")),
        (Override.REVOKE, _("Revoke Expert status")),
        ("rules", _("Follow the rules again")),
    ])
    reason = forms.CharField(label=_("Reason"), max_length=services.REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Required; kept in the audit log."))

    def __init__(self, *args, status: ExpertStatus | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CategoryPage.objects.filter(depth=3).order_by("title")
        if status is not None:
            self.fields["username"].initial = status.user.get_username()
            self.fields["category"].initial = status.category_id
            self.fields["username"].disabled = self.fields["category"].disabled = True

    def clean_username(self):
        username = self.cleaned_data["username"]
        user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active user with this username."))
        self.user = user
        return username


class OverrideView(WagtailAdminTemplateMixin, FormView):
    """Grant, revoke, or return to the rules one user's Expert status in one category."""

    template_name = "experts/admin/override.html"
    form_class = OverrideForm
    header_icon = "crosshairs"
    inspect_url_name = ""
    index_url_name = ""

    def dispatch(self, request, *args, pk=None, **kwargs):
        if not can_moderate(request.user):
            raise PermissionDenied
        self.status = get_object_or_404(ExpertStatus.objects.select_related("user", "category"), pk=pk) if pk else None
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Change Expert status")

    def get_page_subtitle(self):
        return str(self.status) if self.status else ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "status": self.status}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = self.status
        context["index_url"] = reverse(self.index_url_name)
        return context

    def form_valid(self, form):
        action = form.cleaned_data["action"]
        override = Override.NONE if action == "rules" else action
        try:
            entry = services.expert_override(
                moderator=self.request.user, user=form.user, category=form.cleaned_data["category"],
                override=override, reason=form.cleaned_data["reason"],
            )
        except services.ExpertError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("%(user)s — %(category)s: %(state)s.") % {
            "user": entry.user.get_username(), "category": entry.category.title,
            "state": _("Expert") if entry.is_expert else _("not an Expert"),
        })
        return redirect(self.inspect_url_name, quote(entry.pk))


class StatusInspectView(InspectView):
    template_name = "experts/admin/status_inspect.html"
    override_url_name = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["log_entries"] = list(ModelLogEntry.objects.for_instance(self.object).select_related("user")
                                      .order_by("-timestamp")[:50])
        context["criteria"] = self.object.criteria
        return context

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can_moderate(self.request.user):
            buttons.insert(0, HeaderButton(label=_("Grant or revoke"), icon_name="crosshairs",
                                           url=reverse(self.override_url_name, args=(quote(self.object.pk),))))
        return buttons


class StatusIndexView(IndexView):
    new_override_url_name = ""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "category")

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can_moderate(self.request.user):
            buttons.append(HeaderButton(label=_("Grant Expert status"), icon_name="plus",
                                        url=reverse(self.new_override_url_name)))
        return buttons


class ExpertStatusViewSet(ModelViewSet):
    model = ExpertStatus
    icon = "crosshairs"
    menu_label = _("Expert statuses")
    inspect_view_enabled = True
    inspect_view_class = StatusInspectView
    index_view_class = StatusIndexView
    copy_view_enabled = False
    filterset_class = StatusFilterSet
    list_per_page = 50
    list_display = ["user", "category", "is_expert", "since", "grace_until", "override", "checked_at"]
    inspect_view_fields = ["user", "category", "is_expert", "since", "grace_until", "override", "override_reason",
                           "override_by", "override_at", "checked_at"]
    exclude_form_fields: list = []

    def on_register(self):
        ReadOnlyForModerators.register_for(self.model)
        super().on_register()

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(new_override_url_name=self.get_url_name("override_new"), **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(override_url_name=self.get_url_name("override"), **kwargs)

    @property
    def override_view(self):
        return OverrideView.as_view(inspect_url_name=self.get_url_name("inspect"),
                                    index_url_name=self.get_url_name("index"))

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("override/", self.override_view, name="override_new"),
            path("override/<int:pk>/", self.override_view, name="override"),
        ]
