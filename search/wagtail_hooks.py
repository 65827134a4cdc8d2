"""Search on product pages: a search box over the product's reviews and questions and the
words buyers mention most, above the reviews (``product_page_sections``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from community.catalog.models import ProductPage, ProductSection
from search import selectors


@hooks.register("product_page_sections")
def product_search_section(request: HttpRequest, page: ProductPage) -> ProductSection:
    return ProductSection(
        key="product-search", title=_("Search in reviews and questions"), template="search/section_product.html",
        order=19, context={"search_mentions": selectors.buyers_mention(product_id=page.pk)},
    )
