"""The reusable Wagtail admin for moderated content (reviews, questions, answers, messages).

Feature apps subclass :class:`ModeratedContentViewSet` and register it in their
``wagtail_hooks.py``::

    class ReviewViewSet(ModeratedContentViewSet):
        model = Review
        list_display = ["title", "author", "product", "rating", "status_label", "flag_count", "created"]
        list_filter = ["rating"]            # added to the status and "flagged" filters
        inspect_view_fields = ["title", "text", "rating"]

        def get_inspect_panels(self, obj):  # optional extra blocks on the inspect page
            return [InspectPanel(_("Edit history"), "reviews/admin/history.html", {"revisions": ...})]

    register_snippet(ReviewViewSet)

Moderators (the "Модераторы" group, permission ``moderation.moderate_content``) can list,
inspect and moderate — approve, reject, hide, remove, restore with a reason — through
``community.moderation.services.moderate`` (audit-logged). Creating, editing and deleting user
content in the admin is left to superusers: moderators act on content, they do not rewrite it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.models import InspectView
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.models import ModelLogEntry
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet

from community.admin_roles import ModerationPermissionPolicy
from community.moderation import services
from community.moderation.models import TRANSITIONS, Action, Flag, Status


class ModerationFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    flagged = django_filters.BooleanFilter(label=_("Flagged"), method="filter_flagged")

    def filter_flagged(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(flag_count__gt=0) if value else queryset.filter(flag_count=0)


@dataclass
class InspectPanel:
    """An extra block on the inspect page (edit history, votes…), rendered from a template."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


class ModerationForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject, hide or remove: the author is shown it."),
    )

    def __init__(self, *args, status: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = available_actions(status)


def available_actions(status: str) -> list[tuple[str, str]]:
    return [(action.value, action.label) for action in Action if status in TRANSITIONS[action][1]]


class ModerationInspectView(InspectView):
    template_name = "moderation/admin/inspect.html"
    moderate_url_name = None
    viewset = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context.update(
            moderation_status=obj.get_status_display(),
            moderation_reason=obj.moderation_reason,
            flags=list(Flag.objects.for_content(obj).select_related("reporter__profile")),
            log_entries=list(ModelLogEntry.objects.for_instance(obj).select_related("user").order_by("-timestamp")[:50]),
            extra_panels=self.viewset.get_inspect_panels(obj) if self.viewset else [],
        )
        return context

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.moderate_url_name and self.permission_policy.user_has_permission(self.request.user, "moderate"):
            buttons.insert(0, HeaderButton(
                label=_("Moderate"), url=reverse(self.moderate_url_name, args=(quote(self.object.pk),)),
                icon_name="tasks",
            ))
        return buttons


class ModerateView(WagtailAdminTemplateMixin, FormView):
    """Approve / reject / hide / remove / restore one piece of content, with a reason."""

    template_name = "moderation/admin/moderate.html"
    form_class = ModerationForm
    header_icon = "tasks"
    model = None
    permission_policy = None
    inspect_url_name = None
    index_url_name = None

    def dispatch(self, request, *args, pk, **kwargs):
        if not self.permission_policy.user_has_permission(request.user, "moderate"):
            raise PermissionDenied
        self.object = get_object_or_404(self.model, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Moderate")

    def get_page_subtitle(self):
        return str(self.object.moderation_title())

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["status"] = self.object.status
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(object=self.object, status=self.object.get_status_display(),
                       inspect_url=reverse(self.inspect_url_name, args=(quote(self.object.pk),)))
        return context

    def form_valid(self, form):
        try:
            services.moderate(
                moderator=self.request.user, content=self.object,
                action=form.cleaned_data["action"], reason=form.cleaned_data["reason"],
            )
        except services.ModerationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("“%(title)s”: %(status)s.") % {
            "title": self.object.moderation_title(), "status": self.object.get_status_display(),
        })
        return redirect(self.inspect_url_name, quote(self.object.pk))


class ModerationIndexView(SnippetIndexView):
    """Lists readable at 1280 px: the title column first and wide (words never broken), booleans
    as icons, empty values as a dash — whatever fields a kind lists."""

    def _get_title_column(self, field_name, column_class=None, **kwargs):
        kwargs.setdefault("classname", "moderation-title")
        if column_class is None:
            return super()._get_title_column(field_name, **kwargs)
        return super()._get_title_column(field_name, column_class, **kwargs)

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        if column_class is Column and _is_boolean(self.model, field_name):
            column_class = BooleanColumn
        column = super()._get_custom_column(field_name, column_class, **kwargs)
        column.empty_value_display = "—"
        return column


def _is_boolean(model, field_name: str) -> bool:
    try:
        return isinstance(model._meta.get_field(field_name), models.BooleanField)
    except FieldDoesNotExist:  # a method or a lookup path: shown as it is
        return False


class ModeratedContentViewSet(SnippetViewSet):
    """Admin listing, inspection and moderation of one kind of user content."""

    inspect_view_enabled = True
    index_view_class = ModerationIndexView
    inspect_view_class = ModerationInspectView
    moderate_view_class = ModerateView
    list_per_page = 50
    copy_view_enabled = False
    icon = "warning"
    add_to_admin_menu = True
    # Every kind's list goes under «Модерация» (community.moderation.wagtail_hooks), once.
    menu_hook = "register_moderation_menu_item"
    menu_order = 50

    def on_register(self):
        ModerationPermissionPolicy.register_for(self.model)
        super().on_register()

    def get_moderation_filterset_class(self):
        """The status and "flagged" filters plus the subclass's ``list_filter`` fields."""
        if self.filterset_class is not ViewSet.UNDEFINED:
            return self.filterset_class
        list_filter = [] if self.list_filter is ViewSet.UNDEFINED else (self.list_filter or [])
        extra = [name for name in list_filter if name not in ("status", "flagged")]
        meta = type("Meta", (), {"model": self.model, "fields": extra})
        return type(f"{self.model.__name__}ModerationFilterSet", (ModerationFilterSet,), {"Meta": meta})

    def get_inspect_panels(self, obj) -> list[InspectPanel]:
        """Extra blocks on the inspect page; subclasses override."""
        return []

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(filterset_class=self.get_moderation_filterset_class(), **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(moderate_url_name=self.get_url_name("moderate"), viewset=self, **kwargs)

    @property
    def moderate_view(self):
        return self.moderate_view_class.as_view(
            model=self.model, permission_policy=self.permission_policy,
            inspect_url_name=self.get_url_name("inspect"), index_url_name=self.get_url_name("list"),
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(f"moderate/<{self.pk_path_converter}:pk>/", self.moderate_view, name="moderate"),
        ]
