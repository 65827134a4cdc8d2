"""Permissions come from the shared cache, and a change of groups or permissions is seen at once."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.moderation.apps import MODERATORS_GROUP, ensure_moderators_group
from community.moderation.services import can_moderate
from tests import factories


def fresh(user):
    """The user as the next request loads them (no per-object permission cache)."""
    return type(user).objects.get(pk=user.pk)


def test_a_shopper_added_to_the_moderators_can_moderate_at_once_and_not_after_removal(db):
    ensure_moderators_group()
    shopper = factories.UserFactory(username="laertes")
    assert not can_moderate(fresh(shopper))  # now cached: False
    group = Group.objects.get(name=MODERATORS_GROUP)
    shopper.groups.add(group)
    assert can_moderate(fresh(shopper))
    shopper.groups.remove(group)
    assert not can_moderate(fresh(shopper))


def test_a_permission_taken_from_the_group_is_seen_at_once(db, moderator):
    assert can_moderate(fresh(moderator))
    group = Group.objects.get(name=MODERATORS_GROUP)
    group.permissions.remove(Permission.objects.get(codename="moderate_content"))
    assert not can_moderate(fresh(moderator))


def test_a_cached_check_costs_no_query(db, moderator):
    can_moderate(fresh(moderator))
    user = fresh(moderator)
    with CaptureQueriesContext(connection) as queries:
        assert can_moderate(user) and user.has_perm("moderation.moderate_content")
    assert len(queries) == 0


def test_the_signed_in_user_comes_with_their_profile_in_one_query(db, shopper):
    from community.accounts.permissions import CachedPermissionsBackend

    with CaptureQueriesContext(connection) as queries:
        user = CachedPermissionsBackend().get_user(shopper.pk)
        assert user.profile.user_id == shopper.pk
    assert len(queries) == 1
