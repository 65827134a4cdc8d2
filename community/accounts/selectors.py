"""Read paths for accounts and the personal account page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wagtail import hooks

from community.catalog.models import Purchase


@dataclass
class CabinetSection:
    """A block another app adds to the personal account (tickets, notifications…).

    Apps register callables ``(request) -> CabinetSection | None`` with the Wagtail hook
    ``cabinet_sections``; ``assets`` are loaded only on pages that show the section.
    """

    key: str
    title: str
    template: str
    order: int = 100
    context: dict[str, Any] = field(default_factory=dict)
    assets: tuple[str, ...] = ()  # static bundles it needs (``page_assets`` hook)


def profile_sections(*, request, user) -> list[CabinetSection]:
    """Blocks of a public profile page: hook ``profile_sections`` → ``(request, user) -> CabinetSection | None``."""
    sections = [s for hook in hooks.get_hooks("profile_sections") if (s := hook(request, user))]
    return sorted(sections, key=lambda s: s.order)


def purchase_list_for_user(*, user, limit: int = 20) -> list[Purchase]:
    """The user's latest purchases; each has ``review_link`` ``(label, url)`` from the
    ``purchase_review_links`` hook (``(user, products) -> {product_id: (label, url)}``: the
    reviews app's «Оставить отзыв» / «Ваш отзыв»), or None."""
    purchases = list(Purchase.objects.filter(user=user).select_related("product").order_by("-purchased_at")[:limit])
    links: dict = {}
    products = list({purchase.product_id: purchase.product for purchase in purchases}.values())
    for hook in hooks.get_hooks("purchase_review_links") if products else ():
        links.update(hook(user, products) or {})
    for purchase in purchases:
        purchase.review_link = links.get(purchase.product_id)
    return purchases


def cabinet_sections(*, request) -> list[CabinetSection]:
    sections = [s for hook in hooks.get_hooks("cabinet_sections") if (s := hook(request))]
    return sorted(sections, key=lambda s: s.order)
