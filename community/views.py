"""Site-wide views: styled error pages and robots.txt."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from community.http import service_unavailable, too_many_requests
from community.middleware import is_database_unavailable
from community.seo import absolute_url

__all__ = ["page_not_found", "robots_txt", "server_error", "too_many_requests"]


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its ``except`` block: a database outage raised by a middleware
    # (not a view) is still a 503.
    if is_database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    # Rendered without the request context: nothing from the failed request can leak here.
    return render(None, "500.html", status=500)


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers keep out of search results, accounts, chat, the admin and the API; the sitemap
    index is on the canonical origin."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /cabinet/",
        "Disallow: /api/",
        "Disallow: /search/",
        "Disallow: /chat/",
        "Disallow: /embed/",
        "Disallow: /demo-shop/",
        # A product's discussion room lives under the product: …/<product>/chat/.
        "Disallow: /*/chat/",
        f"Sitemap: {absolute_url('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
