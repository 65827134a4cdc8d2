"""The moderators-only menu entry of the reputation admin (its permission policies are the
site's role-based ones, ``community.admin_roles``)."""

from __future__ import annotations

from wagtail.admin.menu import MenuItem

from community.moderation.services import can_moderate


class ModeratorsMenuItem(MenuItem):
    """A menu entry only moderators see."""

    def is_shown(self, request):
        return can_moderate(request.user)
