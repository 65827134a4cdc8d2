"""Public pages of reputation: the leaderboards (overall and per top-level category)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from experts import selectors
from experts.rules import current_rules


def leaderboard(request: HttpRequest, category_slug: str | None = None) -> HttpResponse:
    """Top contributors for this week, this month or all time, 25 a page."""
    categories = list(selectors.top_categories())
    category = None
    if category_slug is not None:
        category = next((c for c in categories if c.slug == category_slug), None)
        if category is None:
            raise Http404
    period = request.GET.get("period", "all")
    if period not in selectors.PERIODS:
        raise Http404
    page, rows = selectors.leaderboard(category=category, period=period, page_number=request.GET.get("page"))
    experts = selectors.experts_of_category(category_id=category.pk) if category else []
    return render(request, "experts/leaderboard.html", {
        "categories": categories, "category": category, "period": period, "periods": selectors.PERIODS.items(),
        "page_obj": page, "rows": rows, "experts": experts,
    })


def community(request: HttpRequest) -> HttpResponse:
    """How the community works: reputation, levels and Expert status, with the live numbers of
    the reputation rules (one query)."""
    return render(request, "experts/community.html", {"rules": current_rules()})
