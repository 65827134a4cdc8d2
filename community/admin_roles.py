"""Who may do what in the Wagtail admin: one role-based permission policy for every admin viewset.

Three roles, read from the user alone:

- ``superuser`` — ``is_superuser``;
- ``moderator`` — may moderate user content (``moderation.moderate_content``, which the
  «Модераторы» group carries; superusers have it too);
- ``support`` — the shop's support staff: active ``is_staff`` accounts.

A viewset's policy is :class:`RolePermissionPolicy` with a table of what each role may do::

    class TicketPermissionPolicy(RolePermissionPolicy):
        grants = {Role.SUPPORT: {"view", "change"}}

Actions are Wagtail's (``view``, ``add``, ``change``, ``delete``) plus our ``moderate``;
:data:`ALL` grants every action. A role not in the table may do nothing, so a Moderator
cannot edit badges, support staff cannot open the moderation queue, and Wagtail's page groups
(«Editors», «Moderators» of pages) get nothing here: their page permissions stay Wagtail's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from community.moderation.services import can_moderate

ALL = frozenset({"*"})


class Role(StrEnum):
    SUPERUSER = "superuser"
    MODERATOR = "moderator"
    SUPPORT = "support"


def roles_of(user) -> frozenset[Role]:
    """The admin roles of ``user`` (none for anonymous or inactive accounts)."""
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()
    roles = set()
    if user.is_superuser:
        roles.add(Role.SUPERUSER)
    if can_moderate(user):
        roles.add(Role.MODERATOR)
    if user.is_staff:
        roles.add(Role.SUPPORT)
    return frozenset(roles)


def _users_in(role: Role) -> Q:
    if role is Role.SUPERUSER:
        return Q(is_superuser=True)
    if role is Role.SUPPORT:
        return Q(is_staff=True)
    return (
        Q(is_superuser=True)
        | Q(user_permissions__codename="moderate_content", user_permissions__content_type__app_label="moderation")
        | Q(groups__permissions__codename="moderate_content", groups__permissions__content_type__app_label="moderation")
    )


class RolePermissionPolicy(ModelPermissionPolicy):
    """Grants actions on one model by role; subclasses set :attr:`grants`."""

    grants: Mapping[Role, Iterable[str]] = {}

    def _allows(self, role: Role, action: str) -> bool:
        actions = self.grants.get(role, ())
        return actions is ALL or action in actions

    def user_has_permission(self, user, action) -> bool:
        return any(self._allows(role, action) for role in roles_of(user))

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        roles = [role for role in self.grants if any(self._allows(role, action) for action in actions)]
        if not roles:
            return users.none()
        condition = Q()
        for role in roles:
            condition |= _users_in(role)
        return users.filter(condition).distinct()

    @classmethod
    def register_for(cls, model) -> None:
        """Make this the policy of ``model`` unless one is registered already (idempotent)."""
        if not policy_registry.get_by_type(model, fallback=False):
            register_permission_policy(model, cls(model), exact_class=True)


class ModerationPermissionPolicy(RolePermissionPolicy):
    """Moderated user content: moderators view and moderate; adding, editing and deleting it in
    the admin stays with superusers (moderators act on content, they do not rewrite it)."""

    grants = {Role.SUPERUSER: ALL, Role.MODERATOR: {"view", "moderate"}}


class ReadOnlyForModerators(RolePermissionPolicy):
    """Rows that change only through services (the ledger, Expert statuses, fraud cases):
    moderators — superusers included — view and, where offered, moderate."""

    grants = {Role.MODERATOR: {"view", "moderate"}}


class SuperusersOnly(RolePermissionPolicy):
    """Secrets of the site (the shop's API keys): superusers only."""

    grants = {Role.SUPERUSER: ALL}


class StaffEditable(RolePermissionPolicy):
    """Shop data any staff member maintains (badges): staff and superusers do everything."""

    grants = {Role.SUPPORT: ALL, Role.SUPERUSER: ALL}


class SupportDeskPermissionPolicy(RolePermissionPolicy):
    """Support tickets: staff see and work them; nobody adds or deletes them here (customers
    open tickets; the dialog is kept)."""

    grants = {Role.SUPPORT: {"view", "change"}}
