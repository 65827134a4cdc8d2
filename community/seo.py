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
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

# The same escapes as Django's json_script: the JSON cannot close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
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
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308


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
