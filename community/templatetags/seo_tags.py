"""Template helpers for valid dates and structured data: ``isotime``, ``absolute``, ``jsonld``."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from community import seo

register = template.Library()


@register.filter
def isotime(value) -> str:
    """``{{ when|isotime }}`` for ``<time datetime>``: ISO 8601 without microseconds."""
    return seo.iso_datetime(value)


@register.filter
def absolute(path: str) -> str:
    """``{{ url|absolute }}``: the path on the canonical origin ``SITE_URL``."""
    return seo.absolute_url(str(path)) if path else ""


@register.simple_tag
def jsonld(data) -> str:
    """``{% jsonld data %}``: a ``<script type="application/ld+json">`` block (nothing for no data)."""
    if not data:
        return ""
    return format_html('<script type="application/ld+json">{}</script>', seo.jsonld(data))
