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
all in one query, once per request (an empty dict signed out) — the same query as the page's
version when that is read for the shared parts.
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
FORMAT = 2


def _viewer_expressions(contributors: tuple):
    def expressions(user_pk) -> dict:
        # The hooks see a stand-in user: only ``pk`` (the query is compiled once, see
        # seo.prepared_row, so its shape must not depend on anything else of the user).
        stand_in = _UserKey(user_pk)
        return {name: expression for hook in contributors for name, expression in hook(stand_in).items()}
    return expressions


def _read(request: HttpRequest, page) -> tuple[Any, dict[str, Any] | None]:
    """The page's version (None: none) and, signed in, the viewer's state when the same query
    could read it (else None), once per request: an anonymous request takes the version the
    middleware computed for its ETag; a signed-in one reads the version and the viewer's state
    in one query."""
    memo = request.__dict__.setdefault("_product_page_versions", {})
    if page.pk not in memo:
        from community.catalog.seo import product_version, product_version_with

        version = getattr(request, "seo_route_version", None)  # the middleware's, for anonymous requests
        state = None
        if version is None or not version[0] or version[0][0] != page.pk:
            contributors = tuple(hooks.get_hooks("product_viewer_state"))
            if request.user.is_authenticated and contributors:
                found = product_version_with(("product_viewer_state", *contributors),
                                             _viewer_expressions(contributors), page.url_path, request.user.pk)
                version, state = found if found is not None and found[0][0][0] == page.pk else (None, None)
            else:
                version = product_version(request, page_url_path=page.url_path)
        memo[page.pk] = (version, state)
    return memo[page.pk]


def _version_key(request: HttpRequest, page) -> str | None:
    """The page's version as a short key (None: no version, e.g. a section no app tracks; then
    nothing is cached)."""
    version, _state = _read(request, page)
    return core_seo.etag_for(*version[0]).strip('"') if version is not None else None


def version_values(request: HttpRequest, page, hook) -> dict[str, Any] | None:
    """What ``hook`` (a ``product_page_version`` contributor) read in the page's version, when
    the page's parts are cached (the version is read anyway): ``{name: value}``, or None."""
    if not settings.PRODUCT_PAGE_CACHE_SECONDS:
        return None
    from community.catalog.seo import version_values as values_of

    version, _state = _read(request, page)
    return values_of(version, hook) if version is not None else None


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


def shared_form(request: HttpRequest, page, name: str, template: str, context: dict[str, Any]):
    """``template`` rendered with ``context`` once per page version and UI language, the request's
    CSRF token put in (as for the anonymous pages kept whole, ``core_seo.with_csrf_token``): for a
    form every signed-in viewer is shown alike (the empty «Ask about this product» form).
    Rendering its fields through Django's widget templates cost 2 ms a request."""
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.safestring import mark_safe

    # Rendered with a stand-in token ({% csrf_token %} prints nothing without one), kept with a
    # placeholder in its place.
    html = shared(request, page, f"{name}:form:{translation.get_language()}",
                  lambda: core_seo.without_csrf_tokens(str(render_to_string(template, {**context, "csrf_token": "-"}))))
    return mark_safe(core_seo.with_csrf_token(request, html))  # noqa: S308  (our own rendering)


class _UserKey:
    """What a ``product_viewer_state`` hook may read of the viewer: the primary key."""

    def __init__(self, pk) -> None:
        self.pk = self.id = pk


_VIEWER_STATE_NAMES: dict[tuple, list[str]] = {}


def viewer_state(request: HttpRequest, page) -> dict[str, Any]:
    """What the ``product_viewer_state`` hooks ask about the signed-in viewer, in one query: the
    page's version query when the page's parts are cached (see :func:`_read`), else its own."""
    user = request.user
    if not user.is_authenticated:
        return {}
    memo = request.__dict__.setdefault("_product_viewer_state", {})
    if page.pk not in memo:
        from community.catalog.models import ProductPage

        contributors = tuple(hooks.get_hooks("product_viewer_state"))
        state = _read(request, page)[1] if contributors and settings.PRODUCT_PAGE_CACHE_SECONDS else None
        if state is None and contributors:
            expressions = _viewer_expressions(contributors)

            def build(user_pk, page_pk):
                found = expressions(user_pk)
                _VIEWER_STATE_NAMES[contributors] = list(found)
                return ProductPage.objects.filter(pk=page_pk).annotate(**found).values_list(*found)

            row = core_seo.prepared_row(("product_viewer_state", *contributors), build, user.pk, page.pk)
            state = dict(zip(_VIEWER_STATE_NAMES.get(contributors, ()), row, strict=True)) if row else {}
        memo[page.pk] = state or {}
    return memo[page.pk]
