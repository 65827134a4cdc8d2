"""Template helpers for valid dates and structured data: ``isotime``, ``absolute``, ``jsonld``."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

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


class CaptureNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, name: str):
        self.nodelist, self.name = nodelist, name

    def render(self, context) -> str:
        # The nodelist's output is template output, escaped as it was rendered: safe as it is.
        context[self.name] = mark_safe(" ".join(self.nodelist.render(context).split()))  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """``{% capture as name %}…{% endcapture %}``: render once (blocks inside still override),
    keep the text with whitespace folded, e.g. the title for ``<title>`` and ``og:title``."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def breadcrumb_jsonld(context, crumbs, *trail) -> str:
    """``{% breadcrumb_jsonld breadcrumbs name url … %}``: the visible trail as ``BreadcrumbList``.

    ``crumbs`` are the ancestor pages the trail links (the home page named "Catalog", as shown);
    ``trail`` adds ``name, url`` pairs after them; an empty url is the page itself (canonical).
    """
    items = [(gettext("Catalog") if crumb.depth == 2 else crumb.title, crumb.url) for crumb in crumbs or ()]
    for name, url in zip(trail[::2], trail[1::2], strict=True):
        items.append((str(name), url or context.get("seo_canonical") or context.get("canonical_url", "")))
    return jsonld(seo.breadcrumb_list(items)) if items else ""


@register.simple_tag
def profile_jsonld(user) -> str:
    """``ProfilePage`` with its ``Person`` for a public profile, from what the profile shows."""
    profile = user.profile
    person = {
        "@type": "Person", "name": profile.name, "alternateName": user.get_username(),
        "identifier": user.get_username(), "url": seo.absolute_url(reverse("profile", args=[user.get_username()])),
    }
    if profile.about:
        person["description"] = profile.about
    if profile.avatar:
        person["image"] = seo.absolute_url(profile.avatar.url)
    return jsonld({"@context": seo.SCHEMA, "@type": "ProfilePage", "dateCreated": seo.iso_datetime(user.date_joined),
                   "mainEntity": person})
