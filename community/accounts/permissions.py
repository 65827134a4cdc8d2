"""The signed-in user with their profile, and users' permissions from the shared cache: a signed-in page asks for them (which actions to
show, the Wagtail user bar) and Django's ``ModelBackend`` reads them with two queries a request.
The user's own query also says whether they have any permission or group at all (most users
have neither: then nothing more is read) and counts the header's uncached counters.

``CachedPermissionsBackend`` keeps each user's set of permissions in the shared cache under a
*generation*: any change of users' groups or permissions, of groups' permissions, or of the
permissions themselves starts a new generation (``community.accounts.receivers``), so nothing
stale is ever read — the old keys simply expire.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

GENERATION_KEY = "accounts:permissions:generation"
TIMEOUT = 3600


def permissions_changed() -> None:
    """Forget every user's cached permissions (a new generation of keys)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def _key(user_obj) -> str:
    # The join time makes the key one account's even where a test database reuses ids.
    joined = int(user_obj.date_joined.timestamp() * 1_000_000) if getattr(user_obj, "date_joined", None) else 0
    return f"accounts:permissions:{cache.get(GENERATION_KEY, '0')}:{user_obj.pk}:{joined}"


def _load_permissions(user_obj) -> set[str]:
    """The user's own and their groups' permissions in one query (ModelBackend takes two)."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    permissions = Permission.objects.all()
    if not user_obj.is_superuser:
        permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
    return {f"{app}.{codename}" for app, codename in
            permissions.values_list("content_type__app_label", "codename").distinct()}


class CachedPermissionsBackend(ModelBackend):
    """``ModelBackend`` whose ``get_all_permissions`` (what ``has_perm`` reads) comes from the
    shared cache, and whose signed-in user comes with their profile (the header, the author
    component and the trust rules read it: one query, not two); authentication and object
    permissions are ModelBackend's."""

    def get_user(self, user_id):
        from django.contrib.auth import get_user_model
        from django.db.models import Exists, OuterRef

        from community import user_counters

        model = get_user_model()
        # The same query says whether the user has any permission of their own or any group (most
        # have neither: their permissions are then known without a query) and counts the header's
        # counters that are not cached (the page would count them in a query of its own).
        counters = user_counters.missing(user_id)
        user = (model._default_manager.select_related("profile").filter(pk=user_id)
                .annotate(may_have_permissions=(
                    Exists(model.user_permissions.through.objects.filter(user_id=OuterRef("pk")))
                    | Exists(model.groups.through.objects.filter(user_id=OuterRef("pk")))),
                    **user_counters.expressions(counters))
                .first())
        if user is not None and counters:
            user_counters.store(counters, user)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super().get_all_permissions(user_obj, obj=obj)
        if not hasattr(user_obj, "_perm_cache") and not user_obj.is_superuser \
                and getattr(user_obj, "may_have_permissions", None) is False:
            user_obj._perm_cache = set()  # no permission of their own, no group (read by get_user)
        if not hasattr(user_obj, "_perm_cache"):
            key = _key(user_obj)
            found = cache.get(key)
            if found is None:
                found = _load_permissions(user_obj)
                cache.set(key, found, TIMEOUT)
            user_obj._perm_cache = set(found)
        return user_obj._perm_cache
