"""Vote-fraud cases in the admin: read-only, with their evidence."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from community.admin_roles import ReadOnlyForModerators
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
        ReadOnlyForModerators.register_for(self.model)
        super().on_register()
