"""The two permission policies of the reputation admin, and the moderators-only menu entry."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from wagtail.admin.menu import MenuItem
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from community.moderation.services import can_moderate
from community.moderation.viewsets import ModerationPermissionPolicy


class ReadOnlyForModerators(ModelPermissionPolicy):
    """Moderators (and superusers) view — and, where offered, "moderate"; nobody adds, edits or
    deletes: these rows change only through the services."""

    ACTIONS = frozenset({"view", "moderate"})

    def user_has_permission(self, user, action):
        return action in self.ACTIONS and can_moderate(user)

    def users_with_any_permission(self, actions):
        if not set(actions) & self.ACTIONS:
            return get_user_model().objects.none()
        return ModerationPermissionPolicy(self.model).users_with_any_permission(["view"])


class StaffEditable(ModelPermissionPolicy):
    """Badges: any active staff member may add, edit and delete them."""

    def user_has_permission(self, user, action):
        return bool(user and user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_active=True, is_staff=True)


def register_policy(model, policy_class) -> None:
    if not policy_registry.get_by_type(model, fallback=False):
        register_permission_policy(model, policy_class(model), exact_class=True)


class ModeratorsMenuItem(MenuItem):
    """A menu entry only moderators see."""


    def is_shown(self, request):
        return can_moderate(request.user)
