"""Sitemap section of public profiles: contributors with published content who are not
Newcomers (a Newcomer's profile is ``noindex``). Which content counts comes from the apps that
own it, through the ``profile_sitemap_lastmod`` hook: callables returning a subquery over
``OuterRef("pk")`` (the user) giving the latest change of their published content (NULL: none).
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db.models import Max, Q
from django.urls import reverse
from wagtail import hooks

from community import seo
from community.accounts.trust import indexable_authors_q


class ProfileSitemap(seo.CanonicalSitemap):
    @cached_property
    def _expressions(self) -> dict:
        return {f"contributed_{n}": hook() for n, hook in enumerate(hooks.get_hooks("profile_sitemap_lastmod"))}

    def _queryset(self):
        has_content = Q()
        for name in self._expressions:
            has_content |= Q(**{f"{name}__isnull": False})
        if not self._expressions:
            return get_user_model().objects.none()
        return (get_user_model().objects.filter(is_active=True).filter(indexable_authors_q())
                .annotate(**self._expressions).filter(has_content))

    def items(self):
        return self._queryset().order_by("pk").values("username", *self._expressions)

    def location(self, item: dict) -> str:
        return reverse("profile", args=[item["username"]])

    def lastmod(self, item: dict) -> datetime | None:
        return seo.latest(*(item[name] for name in self._expressions))

    def get_latest_lastmod(self) -> datetime | None:
        queryset = self._queryset()  # one aggregate per column, as in ProductSitemap
        return seo.latest(*(queryset.aggregate(m=Max(name))["m"] for name in self._expressions))


def profile_version(request, username: str) -> seo.Version | None:
    """What a public profile shows, in one query: the profile's fields (name, about, avatar,
    reputation, level, Expert categories) and the latest change of the user's published
    content (the ``profile_sitemap_lastmod`` hooks). None for an unknown or inactive user."""
    from community.accounts.models import Profile

    expressions = {f"contributed_{n}": hook() for n, hook in enumerate(hooks.get_hooks("profile_sitemap_lastmod"))}
    fields = [f"profile__{field.attname}" for field in Profile._meta.concrete_fields]
    row = (get_user_model().objects.filter(username=username, is_active=True).annotate(**expressions)
           .values_list("pk", "date_joined", *fields, *expressions).first())
    # No Last-Modified: reputation and level have no timestamp, so only the ETag is exact.
    return (row, None) if row is not None else None
