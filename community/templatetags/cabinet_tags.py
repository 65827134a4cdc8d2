"""``{% cabinet_nav "overview" %}``: the personal account's navigation, the same on each of its
pages (overview, notifications, email settings, privacy and data), with the current one marked.
Plain links: it works without JS and wraps on a phone."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: (key, label, URL name), in the order they are shown.
CABINET_PAGES = (
    ("overview", _("Overview"), "cabinet"),
    ("notifications", _("Notifications"), "notifications:list"),
    ("settings", _("Email settings"), "notifications:settings"),
    ("privacy", _("Privacy and my data"), "cabinet_privacy"),
)


@register.inclusion_tag("accounts/cabinet_nav.html")
def cabinet_nav(current: str) -> dict:
    return {"cabinet_pages": [{"key": key, "label": label, "url": reverse(name), "current": key == current}
                              for key, label, name in CABINET_PAGES]}
