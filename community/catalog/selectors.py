"""Read paths for catalog pages, each with its prefetching in one place.

Every selector runs a fixed number of queries whatever the catalog size.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.paginator import Page as PaginatorPage
from django.db.models import OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.images import get_image_model
from wagtail.models import Page

from community.catalog.models import (
    CATEGORY_PAGE_SIZE,
    CategoryPage,
    HomePage,
    ProductGalleryImage,
    ProductPage,
    attach_renditions,
)

CARD_RENDITION = "fill-320x240|format-webp"
GALLERY_RENDITIONS = ("max-800x600|format-webp", "fill-96x96|format-webp")

SORT_OPTIONS = {
    "popular": (_("newest first"), ["-first_published_at", "pk"]),
    "price": (_("cheapest first"), ["price", "pk"]),
    "-price": (_("most expensive first"), ["-price", "pk"]),
    "name": (_("by name"), ["title", "pk"]),
}
DEFAULT_SORT = "popular"


@dataclass
class ProductListing:
    page: PaginatorPage
    sort: str


def product_cards(queryset: QuerySet[ProductPage]) -> QuerySet[ProductPage]:
    """Products ready for cards: the main image with its card rendition prefetched, and what
    the ``product_card_details`` apps show (each app's ``product_card_queryset`` hook joins its
    stored aggregates, so a card costs no query of its own)."""
    queryset = queryset.prefetch_related(
        Prefetch("main_image", queryset=get_image_model().objects.prefetch_renditions(CARD_RENDITION))
    )
    for hook in hooks.get_hooks("product_card_queryset"):
        queryset = hook(queryset)
    return queryset


def category_products(*, category: CategoryPage, sort: str = "", page: str | int | None = 1) -> ProductListing:
    """Live products anywhere below ``category``, sorted and paginated (24 a page)."""
    sort = sort if sort in SORT_OPTIONS else DEFAULT_SORT
    queryset = product_cards(
        ProductPage.objects.live().descendant_of(category).order_by(*SORT_OPTIONS[sort][1])
    )
    paginator = Paginator(queryset, CATEGORY_PAGE_SIZE)
    try:
        result = paginator.page(page or 1)
    except PageNotAnInteger:
        result = paginator.page(1)
    except EmptyPage:
        result = paginator.page(paginator.num_pages)
    return ProductListing(page=result, sort=sort)


def category_tree(*, home: HomePage) -> list[tuple[CategoryPage, list[CategoryPage]]]:
    """Top-level categories with their direct subcategories, in two queries."""
    top = list(CategoryPage.objects.live().child_of(home).order_by("path"))
    subs = CategoryPage.objects.live().filter(depth=home.depth + 2, path__startswith=home.path).order_by("title")
    by_parent: dict[str, list[CategoryPage]] = {}
    for sub in subs:
        by_parent.setdefault(sub.path[: -sub.steplen], []).append(sub)
    return [(cat, by_parent.get(cat.path, [])) for cat in top]


def breadcrumbs(page: Page) -> list[Page]:
    """Ancestors below the root, for the breadcrumb trail: those the route read with the page
    (no query), or one query."""
    routed = getattr(page, "_route_ancestors", None)
    if routed is not None:
        return [ancestor for ancestor in routed if ancestor.depth > 1]
    return list(page.get_ancestors().filter(depth__gt=1).specific(defer=True))


def product_gallery(product: ProductPage) -> list[ProductGalleryImage]:
    """The gallery with its images and their renditions, in one query: each row's renditions come
    as a JSON column (``json_rows``) and are given to the image as Wagtail's
    ``prefetch_renditions`` gives them (its ``get_rendition`` reads them first)."""
    from community import json_rows

    renditions = get_image_model().get_rendition_model().objects.filter(
        image=OuterRef("image"), filter_spec__in=GALLERY_RENDITIONS)
    rows = list(product.gallery.order_by("sort_order").select_related("image")
                .annotate(image_renditions=json_rows.rows(renditions, "image")))
    for row in rows:
        attach_renditions(row.image, row.image_renditions)
    return rows


def product_by_sku(sku: str) -> ProductPage | None:
    return ProductPage.objects.filter(sku=sku).first()
