"""Search on catalog pages: on product pages a search box over the product's reviews and
questions and the words buyers mention most (``product_page_sections``); on category pages
filters with facet counts and sorts by rating and reviews (``category_page_listing``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from community.catalog.models import CategoryListing, CategoryPage, ProductPage, ProductSection
from community.layout import AssetBundle
from search import mentions, selectors


@hooks.register("page_assets")
def search_assets() -> AssetBundle:
    """The header's search box is on every page, so its combobox script comes everywhere."""
    return AssetBundle(name="search", css=("search/search.css",), js=("search/combobox.js",),
                       templates=("search/",), everywhere=True)


@hooks.register("product_page_sections")
def product_search_section(request: HttpRequest, page: ProductPage) -> ProductSection:
    return ProductSection(
        key="product-search", title=_("Search in reviews and questions"), template="search/section_product.html",
        order=19, context={"search_mentions": mentions.for_page(page)},
    )


@hooks.register("product_page_related")
def product_page_mentions() -> tuple[str, ...]:
    """The stored mentions come with the product page's route (a join, not a query)."""
    return ("buyers_mention",)


def product_mentions_version() -> dict:
    """``product_page_version`` hook of the mentions section: when they were last computed
    (a background task stores them a while after the reviews change, search/mentions.py)."""
    from django.db.models import OuterRef, Subquery

    from search.models import ProductMentions

    return {"mentions_at": Subquery(ProductMentions.objects.filter(product_id=OuterRef("pk"))
                                    .values("computed_at")[:1])}


product_mentions_version.covers = (product_search_section,)
hooks.register("product_page_version", product_mentions_version)


@hooks.register("category_page_listing")
def category_filters(request: HttpRequest, page: CategoryPage) -> CategoryListing:
    """Brand, price, rating and stock filters with facet counts; sorts by rating and reviews."""
    listing = selectors.category_products(category_path=page.path, params=request.GET)
    return CategoryListing(
        template="search/category_filters.html",
        context={"facets": listing.facets, "filters": listing.filters,
                 "hidden_filters": [(k, v) for k, v in selectors.filters_to_params(listing.filters) if k != "kind"]},
        page=listing.pager, sort=listing.sort, sort_options=selectors.CATEGORY_SORTS,
        query_string=listing.query_string,
    )


@hooks.register("qa_similar_questions")
def similar_questions(*, product_id: int, text: str, limit: int, exclude_id: int | None) -> list[int]:
    """«Похожие вопросы» while asking: the product's questions found by the engine."""
    return selectors.similar_question_ids(product_id=product_id, text=text, limit=limit, exclude_id=exclude_id)
