"""Vote-fraud cases in the admin: read-only, with their evidence."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from experts.admin.policies import ReadOnlyForModerators, register_policy
from experts.models import FraudCase


class FraudCaseViewSet(ModelViewSet):
    model = FraudCase
    icon = "warning"
    menu_label = _("Vote fraud")
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    list_display = ["created", "kind", "voter", "author", "votes_reversed"]
    list_filter = ["kind"]
    inspect_view_fields = ["kind", "voter", "author", "votes_reversed", "created", "evidence"]
    exclude_form_fields: list = []

    def on_register(self):
        register_policy(self.model, ReadOnlyForModerators)
        super().on_register()
