"""What a product page shows everyone alike, cached under the page's version; what it shows one
viewer, read in one query.

**Shared parts.** ``shared(request, page, name, build)`` returns ``build()``'s value (section data
as every visitor without special rights sees it: reviews, questions, messages, the gallery), kept
in the shared cache under the product page's *version* (``catalog/seo.py``, one query that
tracks every section; anonymous requests already computed it for their ETag). A review, vote,
answer, message or moderation decision changes the version, so the next request builds afresh:
nothing stale is shown, and nothing needs deleting. Never put per-viewer bits in a shared part
(own votes, pending content, forms, CSRF tokens): sections add those per request.

**The viewer's state.** Apps add what they need to know about the signed-in viewer on this
product through the ``product_viewer_state`` hook: callables ``(user) -> {name: expression over
OuterRef("pk")}`` (following, muted, has voted here…); they may read only ``user.pk`` (the query is
compiled once per process). ``viewer_state(request, page)`` reads them
all in one query, once per request (an empty dict signed out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from wagtail import hooks

from community import seo as core_seo

_MISSING = object()
# Part of every key: bump it when what the parts hold changes shape (the cached objects are
# pickled model instances), so a deploy does not read the previous release's.
FORMAT = 1


def _version_key(request: HttpRequest, page) -> str | None:
    """The page's version as a short key, computed once per request (None: no version, e.g. a
    section no app tracks; then nothing is cached)."""
    memo = request.__dict__.setdefault("_product_page_versions", {})
    if page.pk not in memo:
        from community.catalog.seo import product_version

        version = getattr(request, "seo_route_version", None)  # the middleware's, for anonymous requests
        if version is None or not version[0] or version[0][0] != page.pk:
            version = product_version(request, page_url_path=page.url_path)
        memo[page.pk] = core_seo.etag_for(*version[0]).strip('"') if version is not None else None
    return memo[page.pk]


def shared(request: HttpRequest, page, name: str, build: Callable[[], Any]) -> Any:
    """``build()`` cached under ``page``'s version and ``name`` (see the module's docstring)."""
    seconds = settings.PRODUCT_PAGE_CACHE_SECONDS
    key = _version_key(request, page) if seconds else None
    if key is None:
        return build()
    cache_key = f"product-page:{FORMAT}:{page.pk}:{key}:{name}"
    found = cache.get(cache_key, _MISSING)
    if found is _MISSING:
        found = build()
        cache.set(cache_key, found, seconds)
    return found


def shared_fragments(request: HttpRequest, page, name: str, items: list, template: str, variable: str,
                     extra: dict[str, Any] | None = None) -> None:
    """Render ``template`` once per item (``{variable: item, **extra}``) and keep the HTML in the
    shared cache under the page's version, the UI language and the time zone; each item gets it
    as ``item.shared_html``, which its card template prints instead of rendering the part again.

    For the parts of a card every viewer sees alike (author, text, photos, dates), never the
    viewer's own (vote state, forms, CSRF tokens): those stay in the card's template. Rendering
    fifty chat lines or ten review cards was a third of a product page's time.
    """
    if not items:
        return
    from django.template.loader import render_to_string
    from django.utils import timezone, translation
    from django.utils.safestring import mark_safe

    key = f"{name}:html:{translation.get_language()}:{timezone.get_current_timezone_name()}"
    rendered = shared(request, page, key, lambda: {
        item.pk: str(render_to_string(template, {variable: item, **(extra or {})})) for item in items})
    for item in items:
        html = rendered.get(item.pk)
        item.shared_html = mark_safe(html) if html is not None else None  # noqa: S308  (our own rendering)


class _UserKey:
    """What a ``product_viewer_state`` hook may read of the viewer: the primary key."""

    def __init__(self, pk) -> None:
        self.pk = self.id = pk


_VIEWER_STATE_NAMES: dict[tuple, list[str]] = {}


def viewer_state(request: HttpRequest, page) -> dict[str, Any]:
    """What the ``product_viewer_state`` hooks ask about the signed-in viewer, in one query."""
    user = request.user
    if not user.is_authenticated:
        return {}
    memo = request.__dict__.setdefault("_product_viewer_state", {})
    if page.pk not in memo:
        from community.catalog.models import ProductPage

        contributors = tuple(hooks.get_hooks("product_viewer_state"))

        def build(user_pk, page_pk):
            # The hooks see a stand-in user: only ``pk`` (the query is compiled once, see
            # seo.prepared_row, so its shape must not depend on anything else of the user).
            stand_in = _UserKey(user_pk)
            expressions = {name: expression for hook in contributors for name, expression in hook(stand_in).items()}
            _VIEWER_STATE_NAMES[contributors] = list(expressions)
            return ProductPage.objects.filter(pk=page_pk).annotate(**expressions).values_list(*expressions)

        row = core_seo.prepared_row(("product_viewer_state", *contributors), build, user.pk, page.pk) \
            if contributors else None
        names = _VIEWER_STATE_NAMES.get(contributors, ())
        memo[page.pk] = dict(zip(names, row, strict=True)) if row else {}
    return memo[page.pk]
