"""``{% page_assets %}`` and ``{% header_items %}``: the layout's two extension points
(``community/layout.py``) in templates."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from community import layout

register = template.Library()


def _template_name(context) -> str:
    top = getattr(context, "template", None)
    origin = getattr(top, "origin", None)
    return getattr(origin, "template_name", None) or getattr(top, "name", None) or ""


@register.simple_tag(takes_context=True)
def page_assets(context, *extra: str) -> SafeString:
    """The page's stylesheets and deferred scripts: the core's and the bundles it shows (its
    template folder's, its sections', its header items'), plus bundles named in ``extra``."""
    request = context.get("request")
    assets = layout.page_assets(template_name=_template_name(context), sections=context.get("sections") or (),
                                header=layout.header_items(request), extra=extra)
    links = format_html_join("\n  ", '<link rel="stylesheet" href="{}">', ((static(path),) for path in assets.css))
    scripts = format_html_join("\n  ", '<script src="{}" defer></script>', ((static(path),) for path in assets.js))
    return format_html("{}\n  {}", links, scripts)


@register.simple_tag(takes_context=True)
def header_items(context) -> SafeString:
    """The header items apps register (``header_items`` hook), each from its own template, in a
    child of this context (as an inclusion tag renders: no context processor runs again)."""
    request = context.get("request")
    parts = []
    for item in layout.header_items(request):
        item_template = context.template.engine.get_template(item.template)
        parts.append(item_template.render(context.new({**item.context, "request": request})))
    return mark_safe("".join(parts))  # noqa: S308 - each part is an autoescaped template


@register.simple_tag(takes_context=True)
def site_nav(context, items: bool = True) -> SafeString:
    """The main navigation's links (``site_nav_items`` hook), ``aria-current`` on the page's own;
    as list items for the header, or (``items=False``) bare links for the footer, which also
    shows the links marked ``in_header=False``."""
    request = context.get("request")
    path = getattr(request, "path", "")
    pattern = '<li><a href="{}"{}>{}</a></li>' if items else '<a href="{}"{}>{}</a>\n'
    return format_html_join("", pattern, (
        (link.url, mark_safe(' aria-current="page"') if path == link.url else "", link.label)  # noqa: S308
        for link in layout.nav_links(request) if link.in_header or not items))


@register.simple_tag
def product_card_details(product) -> SafeString:
    """What apps add to a product card (``product_card_details`` hook: ``fn(product)`` → HTML or
    ""), from data their ``product_card_queryset`` hook loaded with the cards."""
    from wagtail import hooks

    return format_html_join("", "{}", ((part,) for hook in hooks.get_hooks("product_card_details")
                                       if (part := hook(product))))
