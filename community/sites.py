"""The request's Wagtail site and the site root paths, from one query.

Wagtail finds them with three: the root paths (``Site.get_site_root_paths``, then cached), the
request's site (``Site.find_for_request``, every request) and its root page's specific object
(``site.root_page.specific``, every request, to route from it). ``load(request)`` reads every
site with its root page and locale at once and decides as Wagtail does: the request's site
goes where Wagtail keeps it (``request._wagtail_site``), its root page as the specific class
(fields of its own table deferred: routing reads only the tree's), and the root paths into
Wagtail's cache when they are not there. ``SiteMiddleware`` does it before a Wagtail page is
served; the conditional GETs (``community.seo``) call :func:`root_paths` before that.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.http.request import split_domain_port


def _site_for(sites: list, hostname: str, port: str):
    """Wagtail's ``get_site_for_hostname`` over ``sites`` already read (None: no site)."""
    def match(site) -> int:
        if site.hostname == hostname and str(site.port) == str(port):  # the request's port is a string
            return 0  # hostname and port
        if site.hostname == hostname and site.is_default_site:
            return 1  # hostname, and the default site
        return 2 if site.is_default_site else 3  # the default site; the hostname on another port

    candidates = sorted((site for site in sites if site.hostname == hostname or site.is_default_site), key=match)
    if not candidates:
        return None
    if len(candidates) == 1 or match(candidates[0]) in (0, 1):
        return candidates[0]
    if match(candidates[0]) == 2:
        # The default site, unless exactly one site has the hostname (on another port).
        return candidates[len(candidates) == 2]
    return None  # several sites with the hostname on other ports and no default: Wagtail's 404


def load(request: HttpRequest) -> None:
    """Find the request's site, with its root page as the specific class, and prime the site
    root paths (see the module's docstring). Once per request."""
    from wagtail.models import Site
    from wagtail.models.sites import SITE_ROOT_PATHS_CACHE_KEY, SITE_ROOT_PATHS_CACHE_VERSION, SiteRootPath

    if hasattr(request, "_wagtail_site"):
        return
    sites = list(Site.objects.select_related("root_page__locale")
                 .order_by("-root_page__url_path", "-is_default_site", "hostname"))
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        # Wagtail's own list, in its order (with translations it would need their root pages).
        paths = [SiteRootPath(site.id, site.root_page.url_path, site.root_url, site.root_page.locale.language_code)
                 for site in sites]
        request._wagtail_cached_site_root_paths = paths
        cache.add(SITE_ROOT_PATHS_CACHE_KEY, paths, 3600, version=SITE_ROOT_PATHS_CACHE_VERSION)
    site = _site_for(sites, split_domain_port(request._get_raw_host())[0], request.get_port())
    if site is not None:
        # Wagtail routes from ``site.root_page.localized.specific``: the specific object with
        # the tree's fields already read costs no query (its own fields are read if used).
        site.root_page = site.root_page.get_specific(deferred=True)
    request._wagtail_site = site


def root_paths(request: HttpRequest) -> list:
    """``Site.get_site_root_paths()``; when they are not cached, read with the request's site."""
    from wagtail.models import Site
    from wagtail.models.sites import SITE_ROOT_PATHS_CACHE_KEY, SITE_ROOT_PATHS_CACHE_VERSION

    cached = getattr(request, "_wagtail_cached_site_root_paths", None)
    if cached is not None:
        return cached
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False) and not hasattr(request, "_wagtail_site") \
            and cache.get(SITE_ROOT_PATHS_CACHE_KEY, version=SITE_ROOT_PATHS_CACHE_VERSION) is None:
        load(request)
        return request._wagtail_cached_site_root_paths
    return Site.get_site_root_paths()


class SiteMiddleware:
    """Before a Wagtail page is served, its site and root page in one query (:func:`load`)."""

    def __init__(self, get_response):
        from wagtail.views import serve

        self.get_response = get_response
        self.serve = serve

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if view_func is self.serve:
            load(request)
        return None
