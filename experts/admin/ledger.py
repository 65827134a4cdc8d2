"""The ledger in the admin: every change of reputation, read-only, filtered by reason and user."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from community.admin_roles import ReadOnlyForModerators
from experts.models import Reason, ReputationEvent


class LedgerFilterSet(WagtailFilterSet):
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=Reason.choices)
    live = django_filters.BooleanFilter(label=_("Live (not reversed)"), field_name="reversed_at",
                                        lookup_expr="isnull")
    user = django_filters.CharFilter(label=_("User (username)"), field_name="user__username", lookup_expr="iexact")
    actor = django_filters.CharFilter(label=_("By (username)"), field_name="actor__username", lookup_expr="iexact")

    class Meta:
        model = ReputationEvent
        fields = ["reason"]


class LedgerIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "actor", "category", "product", "content_type")


class LedgerViewSet(ModelViewSet):
    model = ReputationEvent
    icon = "list-ul"
    menu_label = _("Ledger")
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = LedgerIndexView
    filterset_class = LedgerFilterSet
    list_per_page = 50
    list_display = ["created", "user", "delta", "points", "reason", "product", "actor", "reversed_at",
                    "reversal_reason"]
    inspect_view_fields = ["user", "delta", "points", "reason", "category", "product", "content_type", "object_id",
                           "actor", "created", "recorded_at", "reversed_at", "reversal_reason"]
    ordering = ["-created", "-pk"]
    exclude_form_fields: list = []

    def on_register(self):
        ReadOnlyForModerators.register_for(self.model)
        super().on_register()
