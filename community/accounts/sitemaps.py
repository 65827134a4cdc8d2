"""Sitemap section of public profiles: contributors with published content who are not
Newcomers (a Newcomer's profile is ``noindex``) and did not make their profile private. Which content counts comes from the apps that
own it, through the ``profile_sitemap_lastmod`` hook: callables returning ``seo.LatestChanges``
keyed by the user's id (the latest change of their published content).
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from wagtail import hooks

from community import seo
from community.accounts.trust import indexable_authors_q


def _contributions() -> list[seo.LatestChanges]:
    return [hook() for hook in hooks.get_hooks("profile_sitemap_lastmod")]


class ProfileSitemap(seo.CanonicalSitemap):
    """A fixed number of queries whatever the number of users: the users' rows (filtered by
    uncorrelated ``IN`` subqueries of the contributors) and one ``GROUP BY`` per kind of content."""

    @cached_property
    def _contributed(self) -> dict[int, datetime]:
        return seo.merged_latest(_contributions(), self.page_keys)

    def _queryset(self):
        has_content = Q()
        for change in _contributions():
            has_content |= Q(pk__in=change.keys())
        if not has_content:
            return get_user_model().objects.none()
        return (get_user_model().objects.filter(is_active=True, profile__public=True).filter(indexable_authors_q())
                .filter(has_content))

    def items(self):
        return self._queryset().order_by("pk").values("pk", "username")

    def location(self, item: dict) -> str:
        return reverse("profile", args=[item["username"]])

    def lastmod(self, item: dict) -> datetime | None:
        return self._contributed.get(item["pk"])

    def get_latest_lastmod(self) -> datetime | None:
        users = self._queryset().values("pk")
        return seo.latest(*(change.latest_among(users) for change in _contributions()))


def profile_version(request, username: str) -> seo.Version | None:
    """What a public profile shows, in one query: the profile's fields (name, about, avatar,
    reputation, level, Expert categories) and the latest change of the user's published
    content (the ``profile_sitemap_lastmod`` hooks). None for an unknown or inactive user, or a
    private profile (never answered 304: the view decides)."""
    from community.accounts.models import Profile

    expressions = {f"contributed_{n}": change.subquery() for n, change in enumerate(_contributions())}
    fields = [f"profile__{field.attname}" for field in Profile._meta.concrete_fields]
    row = (get_user_model().objects.filter(username=username, is_active=True, profile__public=True)
           .annotate(**expressions)
           .values_list("pk", "date_joined", *fields, *expressions).first())
    # No Last-Modified: reputation and level have no timestamp, so only the ETag is exact.
    return (row, None) if row is not None else None
