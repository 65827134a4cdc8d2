"""The Experts' part of the public API (``/api/v1/``): the Experts of a product's category."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from community.api import ERRORS, AuthorOut, author_out, last_modified, product_by_sku
from community.catalog.models import CategoryPage
from community.seo import absolute_url, path_from_url_path
from experts import selectors

router = Router(tags=["experts"])

MAX_EXPERTS = 50


class CategoryOut(Schema):
    id: int
    title: str
    url: str


class ExpertOut(Schema):
    author: AuthorOut
    expert_since: datetime | None
    category_reputation: int


class ExpertsOut(Schema):
    sku: str
    category: CategoryOut | None
    items: list[ExpertOut]


@router.get("/products/{sku}/experts", response={200: ExpertsOut, **ERRORS},
            summary="The Experts of a product's top-level category")
def product_experts(request: HttpRequest, response: HttpResponse, sku: str):
    """Active Experts of the category (the ones whose badge the site shows), highest reputation
    in the category first, at most 50 (two queries)."""
    product = product_by_sku(sku)
    category = CategoryPage.objects.live().filter(pk=product.top_category_id).first() if product.top_category_id else None
    if category is None:
        return {"sku": product.sku, "category": None, "items": []}
    statuses = selectors.expert_statuses_of_category(category=category, limit=MAX_EXPERTS)
    last_modified(response, *(status.since for status in statuses))
    return {
        "sku": product.sku,
        "category": {"id": category.pk, "title": category.title,
                     "url": absolute_url(path_from_url_path(category.url_path))},
        "items": [{"author": author_out(s.user), "expert_since": s.since, "category_reputation": s.points or 0}
                  for s in statuses],
    }
