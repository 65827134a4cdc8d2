"""Site search. Until the search engines land, products are found through Wagtail's search."""

from __future__ import annotations

import unicodedata

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from community.catalog.models import ProductPage
from community.catalog.selectors import product_cards

MAX_QUERY_LENGTH = 200


def clean_query(value: str) -> str:
    """The query without control, format (zero-width, direction marks) or surrogate characters,
    which no searchable text contains and which some engines reject (a NUL fails SQLite)."""
    return " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value).split())


def search(request: HttpRequest) -> HttpResponse:
    query = clean_query(request.GET.get("q", ""))[:MAX_QUERY_LENGTH]
    results = None
    if query:
        found = ProductPage.objects.live().search(query)
        paginator = Paginator(found, 24)
        try:
            results = paginator.page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage):
            results = paginator.page(1)
        # Keep the relevance order while loading cards with their images in fixed queries.
        order = [p.pk for p in results.object_list]
        cards = {p.pk: p for p in product_cards(ProductPage.objects.filter(pk__in=order))}
        results.object_list = [cards[pk] for pk in order if pk in cards]
    return render(request, "search/search.html", {"query": query, "results": results})
