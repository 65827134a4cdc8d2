"""What apps add to the site's layout (``templates/base.html``), which names none of them.

Three Wagtail hooks, in the pattern of ``product_page_sections``:

``site_nav_items``
    callables ``(request) -> NavLink | None``: the community's main links (the Experts, the
    discussions), shown in the header (the phone menu) and the footer to everyone.
``header_items``
    callables ``(request) -> HeaderItem | None``: links and widgets in the header's account
    navigation (chat's «Сообщения» with its unread count). Called once per request.
``page_assets``
    callables ``() -> AssetBundle``: an app's named bundle of static CSS and JS, and the
    template folders of its own pages (``"chat/"``), which load it; ``everywhere`` bundles
    enhance the layout itself (search's header combobox) and load on every page.

A page loads the core's ``css/site.css`` and ``js/site.js``, then only the bundles it shows:
those of its own template's folder, of the sections it renders (``ProductSection.assets``,
``CabinetSection.assets``, from the ``sections`` context variable) and of the header items
present. Every bundle loads once, in a stable order, as ``<link>`` / ``<script src defer>``
(the CSP allows no inline script).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from wagtail import hooks

from community import user_counters

CORE_CSS = ("css/site.css",)
CORE_JS = ("js/site.js",)


@dataclass(frozen=True)
class AssetBundle:
    """An app's static files: ``css`` and ``js`` are static paths; ``templates`` are the template
    folders (``"qa/"``) whose pages load the bundle."""

    name: str
    css: tuple[str, ...] = ()
    js: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    #: Loaded on every page: the enhancement of a part of the layout itself (the header's
    #: search box), which every page shows.
    everywhere: bool = False


@dataclass(frozen=True)
class HeaderItem:
    """One entry of the header's account navigation, rendered from ``template`` with ``context``."""

    key: str
    template: str
    order: int = 100
    context: dict[str, Any] = field(default_factory=dict)
    assets: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavLink:
    """One link of the site's main navigation (``site_nav_items`` hook)."""

    key: str
    label: str
    url: str
    order: int = 100
    #: False: the footer only (the header's row has room for a few links).
    in_header: bool = True


def nav_links(request: HttpRequest | None) -> list[NavLink]:
    """The main navigation's links for this request, in order (asked once per request)."""
    links = getattr(request, "_nav_links", None) if request is not None else None
    if links is None:
        links = sorted((link for hook in hooks.get_hooks("site_nav_items") if (link := hook(request))),
                       key=lambda link: link.order)
        if request is not None:
            request._nav_links = links
    return links


@dataclass(frozen=True)
class PageAssets:
    css: tuple[str, ...]
    js: tuple[str, ...]


def asset_bundles() -> dict[str, AssetBundle]:
    """Every bundle apps register, by name."""
    return {bundle.name: bundle for hook in hooks.get_hooks("page_assets") if (bundle := hook())}


def header_items(request: HttpRequest | None) -> list[HeaderItem]:
    """The header's items for this request, in order (asked once per request, then remembered)."""
    if request is None:
        return []
    items = getattr(request, "_header_items", None)
    if items is None:
        if request.user.is_authenticated:
            user_counters.load(request.user.pk)  # the items' counters: one query at most
        items = sorted((item for hook in hooks.get_hooks("header_items") if (item := hook(request))),
                       key=lambda item: item.order)
        request._header_items = items
    return items


def page_assets(*, template_name: str = "", sections: Iterable = (), header: Iterable[HeaderItem] = (),
                extra: Iterable[str] = ()) -> PageAssets:
    """The static files of one page: the core's, then each bundle it needs, once each."""
    bundles = asset_bundles()
    wanted = [bundle.name for bundle in bundles.values() if bundle.everywhere]
    wanted += [name for bundle in bundles.values() for prefix in bundle.templates
               if template_name.startswith(prefix) for name in [bundle.name]]
    for holder in [*sections, *header]:
        wanted.extend(getattr(holder, "assets", ()) or ())
    wanted.extend(extra)
    css, js = list(CORE_CSS), list(CORE_JS)
    for name in dict.fromkeys(wanted):
        if name not in bundles:
            raise ImproperlyConfigured(f"no page_assets hook registers the bundle {name!r}")
        css += [path for path in bundles[name].css if path not in css]
        js += [path for path in bundles[name].js if path not in js]
    return PageAssets(css=tuple(css), js=tuple(js))
