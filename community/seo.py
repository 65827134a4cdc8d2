"""The search-engine helpers every page shares: the canonical origin, JSON-LD, validators.

``SITE_URL`` (settings) is the one canonical origin: canonical links, sitemaps, Open Graph,
robots.txt and emails are built on it, never on the request's ``Host`` header. Structured data
is built from the same objects the template shows, so the markup cannot claim what a visitor
does not see. The core names no feature app: apps add to a product's markup through the
``product_jsonld`` hook (callables ``(request, page, context) -> dict``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem
from django.db.models import DateTimeField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.safestring import SafeString, mark_safe

from community.http import parse_int

SCHEMA = "https://schema.org"


def absolute_url(path: str) -> str:
    """``path`` (or an already absolute URL) on the canonical origin ``SITE_URL``."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + ("" if path.startswith("/") else "/") + path


def iso_datetime(value: datetime | None) -> str:
    """ISO 8601 in the site's time zone to the second: what ``<time datetime>`` and schema.org
    accept (HTML allows at most three digits of a fraction; we print none)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.replace(microsecond=0)
    return value.isoformat()


def jsonld(data: dict[str, Any] | list[dict[str, Any]]) -> SafeString:
    """JSON-LD safe to inline in ``<script type="application/ld+json">``."""
    # Django's json_script escapes, so the JSON cannot close the <script> element; by replace():
    # str.translate took 690 µs on ten reviews' Cyrillic markup (13 KB), replace() 22 µs.
    text = json.dumps(data, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))  # noqa: S308


def breadcrumb_list(crumbs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``BreadcrumbList`` for the visible trail: ``(name, path)`` pairs from the root down."""
    return {
        "@context": SCHEMA, "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute_url(url)}
            for n, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def website(*, name: str, search_path: str) -> dict[str, Any]:
    """The home page's ``WebSite`` with the site search as its ``SearchAction``."""
    return {
        "@context": SCHEMA, "@type": "WebSite", "name": name, "url": absolute_url("/"),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": absolute_url(search_path) + "?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }


def etag_for(*parts: object) -> str:
    """A strong validator from the version key of what a page shows (quoted, as HTTP wants)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


# --- sitemaps -----------------------------------------------------------------------------------
# Each app owns the sitemap sections of the pages it serves; the composition root (urls.py)
# assembles them into /sitemap.xml (an index) and /sitemap-<section>.xml (paginated sections).

SITEMAP_LIMIT = 50_000


class CanonicalSitemap(Sitemap):
    """A sitemap section whose URLs are on ``SITE_URL``, 50,000 a page.

    Subclasses return items (rows from ``values()``) in primary-key order with what
    ``location`` and ``lastmod`` need already loaded, so that a section page costs a fixed
    number of queries; ``page_keys`` is the first and last key of the page being served, so
    the per-key latest changes (``LatestChanges.by_key``) are read for that page only.
    """

    limit = SITEMAP_LIMIT
    page_keys: tuple[Any, Any] | None = None

    def get_latest_lastmod(self) -> datetime | None:
        """The section's latest lastmod in one aggregate query (Django's default would load and
        walk every item)."""
        raise NotImplementedError

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc

    def page_entries(self, number: int) -> list[tuple[str, datetime | None]]:
        """``(path, lastmod)`` of the URLs on page ``number`` (from 1): one slice of the rows,
        then the lastmods of those rows' keys."""
        rows = list(self.items()[(number - 1) * self.limit:number * self.limit])
        if rows:
            self.page_keys = (rows[0]["pk"], rows[-1]["pk"])
        return [(self.location(row), self.lastmod(row)) for row in rows]


def page_path(page) -> str:
    """A Wagtail page's path (its URL without the origin, which is ``SITE_URL``)."""
    return urlsplit(page.url or "").path


def path_from_url_path(url_path: str) -> str:
    """The path of the page whose Wagtail ``url_path`` this is, on the (single) site whose root
    it is under — from rows (``values()``) without building page objects, which costs ~0.1 ms a
    page (Wagtail's and modelcluster's ``__init__``) and dominates a 50,000-URL sitemap."""
    return path_maker()(url_path)


def path_maker() -> Callable[[str], str]:
    """``path_from_url_path`` with the sites' root paths read once (Wagtail keeps them in the
    cache: reading them per URL cost 0.1 ms, a second per 10,000 URLs)."""
    from wagtail.models import Site

    roots = [root.root_path for root in Site.get_site_root_paths()]

    def path(url_path: str) -> str:
        for root in roots:
            if url_path.startswith(root):
                return "/" + url_path[len(root):]
        return url_path

    return path


def latest(*moments: datetime | None) -> datetime | None:
    """The latest of the moments that are known (None when none is)."""
    known = [m for m in moments if m is not None]
    return max(known) if known else None


# --- version rows compiled once per process -----------------------------------------------------
# A page's version is one row of many correlated aggregates (``product_version``: ~30 subqueries).
# Django rebuilds and recompiles such a query on every request — on the product page that was
# most of the version's cost (≈13 ms of resolving expressions and compiling SQL for ≈5 ms of SQL).
# ``prepared_row`` compiles it once per process and database vendor, with stand-ins for the
# values that change between requests (the page's path; the viewer's and the page's ids for the
# viewer's state), and runs the stored SQL after that, applying the same converters Django would
# (datetimes and booleans on SQLite, decimals).

_PREPARED: dict[tuple, tuple[str, list, list[list[int]], dict]] = {}


def _stand_in(n: int, value: object) -> object:
    return -(734_001_000 + n) if isinstance(value, int) else f"prepared-row:stand-in:{n}:7f3b9c"


def prepared_row(key: tuple, build: Callable[..., QuerySet], *values: object) -> tuple | None:
    """The first row of ``build(*values)`` (a ``values_list`` queryset), or None.

    ``key`` names the query and everything its shape depends on (e.g. the hook functions that
    contribute its expressions); the query's shape must not depend on ``values`` (strings and
    integers), which may only appear as its parameters.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]
    cache_key = (key, connection.vendor, tuple(type(value) for value in values))
    prepared = _PREPARED.get(cache_key)
    if prepared is None:
        stand_ins = [_stand_in(n, value) for n, value in enumerate(values)]
        queryset = build(*stand_ins)[:1]
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        positions = [[n for n, param in enumerate(params) if param == stand_in] for stand_in in stand_ins]
        if not all(positions):
            raise ValueError(f"prepared_row {key!r}: every value must be a parameter of the query")
        converters = compiler.get_converters([column[0] for column in compiler.select[:compiler.col_count]])
        prepared = _PREPARED[cache_key] = (sql, list(params), positions, converters)
    sql, params, positions, converters = prepared
    params = list(params)
    for value, places in zip(values, positions, strict=True):
        for place in places:
            params[place] = value
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, (functions, expression) in converters.items():
        for function in functions:
            row[index] = function(row[index], expression, connection)
    return tuple(row)


def sitemap_index(request: HttpRequest, sitemaps: dict[str, Sitemap], section_url_name: str) -> TemplateResponse:
    """The sitemap index: every page of every section, on ``SITE_URL``, with its lastmod.

    Kept ``SITEMAP_INDEX_CACHE_SECONDS`` in the shared cache: each section's lastmod and page
    count are aggregates over its whole table (2 s for 200,000 questions and 100,000 answers on
    PostgreSQL), and the index is only a hint of where to look — its sections, read straight
    from the rows, list a new page at once."""
    from django.core.cache import cache

    seconds = settings.SITEMAP_INDEX_CACHE_SECONDS
    key = f"seo:sitemap-index:{section_url_name}:{','.join(sitemaps)}"
    rows = cache.get(key) if seconds else None
    if rows is None:
        rows = []
        for section, site in sitemaps.items():
            site = site() if isinstance(site, type) else site
            base = absolute_url(reverse(section_url_name, kwargs={"section": section}))
            lastmod = site.get_latest_lastmod()
            for number in range(1, site.paginator.num_pages + 1):
                rows.append((base if number == 1 else f"{base}?p={number}", lastmod))
        if seconds:
            cache.set(key, rows, seconds)
    entries = [SitemapIndexItem(location, lastmod) for location, lastmod in rows]
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml")


def sitemap_section(request: HttpRequest, sitemaps: dict[str, Sitemap], section: str) -> HttpResponse:
    """One page (``?p=``) of a sitemap section, written straight from the rows: 50,000 URLs
    through Django's sitemap view and template cost seconds of per-URL attribute lookups."""
    site = sitemaps.get(section)
    number = parse_int(request.GET.get("p", "1"), max_digits=6)
    if site is None or not number:
        raise Http404("No such sitemap page.")
    site = site() if isinstance(site, type) else site
    entries = site.page_entries(number)
    if not entries and number > 1:
        raise Http404("No such sitemap page.")
    origin = escape(settings.SITE_URL)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, lastmod in entries:
        modified = f"<lastmod>{iso_datetime(lastmod)}</lastmod>" if lastmod else ""
        lines.append(f"<url><loc>{origin}{escape(path)}</loc>{modified}</url>")
    lines.append("</urlset>\n")
    response = HttpResponse("\n".join(lines), content_type="application/xml")
    moments = [lastmod for _path, lastmod in entries if lastmod]
    if moments:
        response["Last-Modified"] = http_date(max(moments).timestamp())
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


# Moderated content that is or was visible: its appearance and its disappearance both change
# the pages that showed it (pending and rejected content never was).
SEEN_STATUSES = ("published", "hidden", "removed")


def _changed() -> Greatest:
    from community.moderation.models import latest_change

    return latest_change()


@dataclass(frozen=True)
class LatestChanges:
    """The latest change of ``queryset``'s rows per value of ``key`` (a product, a user…).

    Two ways to read it: ``by_key()`` is one ``GROUP BY`` query for every key at once (a sitemap
    section: a fixed number of queries whatever its size, instead of a correlated subquery per
    URL, which cost ~6 s per 1,000 products on PostgreSQL); ``subquery()`` is the same over
    ``OuterRef("pk")``, for one page's version. ``keys()`` is the keys that have rows, as an
    uncorrelated ``IN`` subquery; ``latest_among(keys)`` the latest change of some keys' rows.
    """

    queryset: QuerySet
    key: str

    def by_key(self, between: tuple[Any, Any] | None = None) -> dict[Any, datetime]:
        """``{key: latest change}``, for the keys from ``between[0]`` to ``between[1]`` (one
        sitemap page's) or for every key."""
        rows = self.queryset
        if between is not None:
            rows = rows.filter(**{f"{self.key}__gte": between[0], f"{self.key}__lte": between[1]})
        rows = rows.order_by().values(self.key).annotate(latest=Max(_changed()))
        return dict(rows.values_list(self.key, "latest"))

    def subquery(self) -> Subquery:
        """The newest change of the outer row's key, as ``ORDER BY … DESC LIMIT 1`` rather than
        ``MAX``: the database reads that from an index on (key, change) in one probe (an
        aggregate with ``GROUP BY`` reads every row of the key)."""
        rows = (self.queryset.filter(**{self.key: OuterRef("pk")}).annotate(latest=_changed())
                .order_by("-latest").values("latest")[:1])
        return Subquery(rows, output_field=DateTimeField())

    def keys(self) -> QuerySet:
        return self.queryset.order_by().values(self.key)

    def latest_among(self, keys: QuerySet) -> datetime | None:
        """The latest change among the rows whose key is in ``keys`` (a ``values("pk")``
        queryset, an uncorrelated ``IN``): one aggregate query."""
        return self.queryset.filter(**{f"{self.key}__in": keys}).aggregate(m=Max(_changed()))["m"]


def latest_change(queryset: QuerySet, outer_field: str) -> LatestChanges:
    """The latest visible change among ``queryset``'s rows per ``outer_field`` — written,
    edited or moderated (hidden, removed…)."""
    return LatestChanges(queryset.filter(status__in=SEEN_STATUSES), outer_field)


def merged_latest(changes: Iterable[LatestChanges], between: tuple[Any, Any] | None = None) -> dict[Any, datetime]:
    """The latest change per key over several kinds of content (one query per kind), for the
    keys in ``between`` (inclusive) or all."""
    merged: dict[Any, datetime] = {}
    for change in changes:
        for key, moment in change.by_key(between).items():
            if moment is not None and (key not in merged or moment > merged[key]):
                merged[key] = moment
    return merged


# --- conditional GETs ---------------------------------------------------------------------------
# A page that declares a *version* (a cheap key of everything it shows, read in one query) gets
# ETag and Last-Modified; a conditional request that matches is answered 304 before the page
# is rendered. Only for anonymous visitors (crawlers): signed-in pages carry per-user state (own
# votes, forms, the header) and are sent without validators. The UI language is part of the key.

Version = tuple[tuple, datetime | None]
_ROUTE_VERSIONS: list[tuple[int, re.Pattern, Callable]] = []


def register_route_version(pattern: str, version: Callable, *, order: int = 0) -> None:
    """Declare the version of the Wagtail page route whose URL path matches ``pattern`` (a
    regular expression with a ``page`` group for the page's own path and named groups for the
    route's arguments): ``version(request, page_url_path=…, **groups)`` returns ``(key parts,
    last modified)`` or None (no validators). Matched before Wagtail routes the request, so a
    304 costs only the version's own query; ``page_url_path`` is the page's Wagtail
    ``url_path`` (the site root's path + the page's path), to join on. Patterns are tried by
    ``order`` (a catch-all such as the product page's goes last)."""
    _ROUTE_VERSIONS.append((order, re.compile(pattern), version))
    _ROUTE_VERSIONS.sort(key=lambda entry: entry[0])


def _validators(request: HttpRequest, version: Version | None) -> tuple[str, datetime | None] | None:
    if version is None:
        return None
    parts, last_modified = version
    return etag_for(translation.get_language(), *parts), last_modified


def _not_modified(request: HttpRequest, validators) -> HttpResponse | None:
    etag, last_modified = validators
    request.seo_validators = validators
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is not None:
        _apply(response, validators)
    return response


def _eligible(request: HttpRequest) -> bool:
    # request.user is lazy: an anonymous visitor without a session cookie costs no query.
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated


def _route_version(request: HttpRequest) -> Version | None:
    from wagtail.views import serve as wagtail_serve

    from community import sites

    try:
        if resolve(request.path_info).func is not wagtail_serve:
            return None  # not a Wagtail page: a Django view declares its own (@conditional)
    except Resolver404:
        return None
    for _order, pattern, version in _ROUTE_VERSIONS:
        if (match := pattern.match(request.path_info)) is None:
            continue
        groups = match.groupdict()
        page_path = groups.pop("page")
        # The site root paths are cached by Wagtail (no query once warm); cold, they are read
        # with the request's site (community.sites).
        roots = sites.root_paths(request)
        if len(roots) != 1:
            return None  # several sites: leave it to Wagtail's routing (no validators)
        return version(request, page_url_path=roots[0].root_path + page_path.lstrip("/"), **groups)
    return None


def conditional(version):
    """Decorator for a function view: ``version(request, *args, **kwargs)`` → ``Version | None``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if _eligible(request):
                validators = _validators(request, version(request, *args, **kwargs))
                if validators and (response := _not_modified(request, validators)) is not None:
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _apply(response: HttpResponse, validators) -> None:
    etag, last_modified = validators
    if not response.has_header("ETag"):
        response["ETag"] = etag
    if last_modified and not response.has_header("Last-Modified"):
        response["Last-Modified"] = http_date(last_modified.timestamp())
    patch_vary_headers(response, ["Cookie"])


class ConditionalGetMiddleware:
    """Validators for the versioned Wagtail routes: a matching conditional request is answered
    304 before routing and rendering; otherwise the validators go on the 200 response (also
    those a ``@conditional`` view declared)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _ROUTE_VERSIONS and _eligible(request):
            try:
                version = _route_version(request)
            except Exception as exc:
                # Raised here, outside any view, an unreachable database would skip
                # DatabaseUnavailableMiddleware.process_exception: answer its 503 ourselves.
                from community.middleware import is_database_unavailable

                if not is_database_unavailable(exc):
                    raise
                from community.http import service_unavailable

                return service_unavailable(request)
            request.seo_route_version = version
            validators = _validators(request, version)
            if validators and (response := _not_modified(request, validators)) is not None:
                return response
            if validators and (response := _cached_page(request, validators)) is not None:
                return response
        response = self.get_response(request)
        validators = getattr(request, "seo_validators", None)
        if validators and response.status_code == 200 and not response.streaming:
            _apply(response, validators)
            if getattr(request, "seo_route_version", None) is not None:
                _cache_page(request, response, validators)
        return response


# --- anonymous pages from the cache -------------------------------------------------------------
# An anonymous GET of a versioned route is the same page for everyone who asks for that URL in
# that language while the version holds: it is kept in the shared cache under the validator
# (the version's key and the language) and the full path, and served without routing or
# rendering. A new review, vote, answer or message changes the version, so the next request
# renders afresh. CSRF tokens are the one per-visitor bit of such a page: they are stored as a
# placeholder and a fresh token (and its cookie) is put in on the way out.

_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_CSRF_PLACEHOLDER = "\x00csrf-token\x00"


def without_csrf_tokens(html: str) -> str:
    """``html`` with every CSRF token of its forms replaced by a placeholder, to be kept for other
    visitors; :func:`with_csrf_token` puts the visitor's own back."""
    return _CSRF_INPUT.sub(lambda m: m.group(1) + _CSRF_PLACEHOLDER + m.group(2), html)


def with_csrf_token(request: HttpRequest, html: str) -> str:
    """``html`` kept by :func:`without_csrf_tokens`, with ``request``'s CSRF token (and its cookie)."""
    from django.middleware.csrf import get_token

    if _CSRF_PLACEHOLDER not in html:
        return html
    return html.replace(_CSRF_PLACEHOLDER, get_token(request))
_UNCACHED_HEADERS = {"set-cookie", "etag", "last-modified", "vary", "content-length"}


def _page_key(request: HttpRequest, validators) -> str:
    path = hashlib.blake2b(request.get_full_path().encode(), digest_size=12).hexdigest()
    etag = validators[0].strip('"')
    return f"versioned-page:{etag}:{path}"


def _page_cacheable(request: HttpRequest) -> bool:
    # Flash messages are shown once (and consumed by rendering): such a request renders.
    return (request.method == "GET" and settings.VERSIONED_PAGE_CACHE_SECONDS > 0
            and "messages" not in request.COOKIES)


def _cached_page(request: HttpRequest, validators) -> HttpResponse | None:
    from django.core.cache import cache

    if not _page_cacheable(request):
        return None
    stored = cache.get(_page_key(request, validators))
    if stored is None:
        return None
    headers, content = stored
    content = with_csrf_token(request, content)
    response = HttpResponse(content.encode(), headers=headers)
    _apply(response, validators)
    return response


def _cache_page(request: HttpRequest, response: HttpResponse, validators) -> None:
    from django.core.cache import cache

    session = getattr(request, "session", None)
    if not _page_cacheable(request) or response.cookies or (session is not None and session.modified):
        return
    charset = response.charset or "utf-8"
    content = without_csrf_tokens(response.content.decode(charset))
    headers = {name: value for name, value in response.items() if name.lower() not in _UNCACHED_HEADERS}
    cache.set(_page_key(request, validators), (headers, content), settings.VERSIONED_PAGE_CACHE_SECONDS)
