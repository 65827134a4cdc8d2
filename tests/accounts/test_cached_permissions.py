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


def test_a_user_without_permissions_or_groups_is_known_as_such_by_the_query_that_loads_them(db, shopper):
    from django.core.cache import cache

    from community.accounts.permissions import CachedPermissionsBackend
    from community.moderation.apps import ensure_moderators_group

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        user = CachedPermissionsBackend().get_user(shopper.pk)
        assert not can_moderate(user) and user.get_all_permissions() == set()
    assert len(queries) == 1
    ensure_moderators_group()
    shopper.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    assert can_moderate(CachedPermissionsBackend().get_user(shopper.pk))


def test_the_users_query_counts_the_headers_counters_that_are_not_cached(rf, db, shopper):
    from django.core.cache import cache

    from community import layout
    from community.accounts.permissions import CachedPermissionsBackend

    cache.clear()
    request = rf.get("/")
    with CaptureQueriesContext(connection) as queries:
        request.user = CachedPermissionsBackend().get_user(shopper.pk)
        items = layout.header_items(request)
    assert len(queries) == 1
    assert {item.context["unread"] for item in items if item.key in ("notifications", "messages")} == {0}
