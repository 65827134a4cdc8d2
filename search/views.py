"""Site search views: the results page and the autocomplete endpoint. Thin: parse → selector → render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from search import analysis, selectors, services
from search.engines import get_engine
from search.records import PRICE_BANDS

SUGGEST_MIN_LENGTH = 2
SORT_LABELS = [("relevance", _("by relevance")), ("date", _("newest first")), ("rating", _("by rating"))]


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    outcome = selectors.site_search(
        query=request.GET.get("q", ""),
        filters=selectors.filters_from_query(request.GET),
        sort=selectors.sort_from_query(request.GET),
        page=selectors.page_number(request.GET),
    )
    results = outcome.results
    if results and results.total and results.page == 1:
        services.popular_query_record(text=outcome.searched_for or outcome.query)
    return render(request, "search/search.html", {
        "search": outcome, "query": outcome.query, "results": results,
        "price_bands": PRICE_BANDS, "sorts": SORT_LABELS,
    })


@require_safe
def suggest(request: HttpRequest) -> JsonResponse:
    """``{"query", "suggestions": [{"kind", "label", "url"}]}`` for what is typed (2+ characters)."""
    typed = analysis.clean_query(request.GET.get("q", ""))[:100]
    items = get_engine().suggest(typed) if len(typed) >= SUGGEST_MIN_LENGTH else []
    response = JsonResponse({
        "query": typed,
        "suggestions": [{"kind": s.kind, "label": s.label, "url": s.url} for s in items],
    })
    response["Cache-Control"] = "public, max-age=60"
    return response
