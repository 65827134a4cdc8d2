"""Badges: a snippet staff edit (what is counted and from how much)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet

from community.admin_roles import StaffEditable
from experts.models import Badge


class BadgeViewSet(SnippetViewSet):
    model = Badge
    icon = "pick"
    menu_label = _("Badges")
    list_display = ["icon", "name", "metric", "threshold", "is_active", "sort_order"]
    list_filter = ["metric", "is_active"]
    copy_view_enabled = False

    def on_register(self):
        StaffEditable.register_for(self.model)
        super().on_register()
