"""Read paths of search: the site search with its fallbacks, parsed from GET parameters.

:func:`site_search` asks the configured engine and, when nothing is found, tries what the
visitor probably meant: the same keys in the other keyboard layout («yjen,er» → «ноутбук»),
then known words for misspelled ones («нотбук» → «ноутбук»).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from community.http import parse_int
from search import analysis
from search.engines import get_engine
from search.engines.base import MAX_PAGE, SORTS, Filters, SearchRequest, SearchResults
from search.records import KINDS, PRICE_BANDS

MAX_FILTER_VALUES = 20


def _ints(values: list[str], allowed=None) -> tuple[int, ...]:
    found = []
    for value in values[:MAX_FILTER_VALUES]:
        number = parse_int(value, max_digits=11)
        if number is not None and (allowed is None or number in allowed):
            found.append(number)
    return tuple(dict.fromkeys(found))


def _decimal(value: str | None) -> Decimal | None:
    try:
        number = Decimal((value or "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() and 0 <= number < 10**10 else None


def filters_from_query(params: QueryDict) -> Filters:
    """Facet filters from GET parameters; anything malformed is ignored, never an error."""
    stars = _ints(params.getlist("stars"), range(1, 6))
    return Filters(
        kinds=tuple(k for k in dict.fromkeys(params.getlist("kind")[:MAX_FILTER_VALUES]) if k in KINDS),
        categories=_ints(params.getlist("category")),
        brands=tuple(dict.fromkeys(b[:100] for b in params.getlist("brand")[:MAX_FILTER_VALUES] if b.strip())),
        stars_min=stars[0] if stars else None,
        price_bands=_ints(params.getlist("price"), range(len(PRICE_BANDS))),
        in_stock=params.get("in_stock") == "1",
        accepted=params.get("accepted") == "1",
        verified=params.get("verified") == "1",
        product_id=(_ints([params.get("product", "")]) or (None,))[0],
        price_min=_decimal(params.get("price_min")),
        price_max=_decimal(params.get("price_max")),
    )


def filters_to_params(filters: Filters) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = [("kind", k) for k in filters.kinds]
    params += [("category", str(c)) for c in filters.categories]
    params += [("brand", b) for b in filters.brands]
    if filters.stars_min:
        params.append(("stars", str(filters.stars_min)))
    params += [("price", str(b)) for b in filters.price_bands]
    params += [(name, "1") for name in ("in_stock", "accepted", "verified") if getattr(filters, name)]
    if filters.product_id is not None:
        params.append(("product", str(filters.product_id)))
    params += [(name, f"{value.normalize():f}") for name, value in
               (("price_min", filters.price_min), ("price_max", filters.price_max)) if value is not None]
    return params


def page_number(params: QueryDict) -> int:
    number = parse_int(params.get("page"), max_digits=5)
    return min(number, MAX_PAGE) if number else 1


def sort_from_query(params: QueryDict, default: str = "relevance") -> str:
    sort = params.get("sort", default)
    return sort if sort in SORTS else default


@dataclass
class SiteSearch:
    """What the search page shows."""

    query: str  # what the visitor typed (cleaned, at most 200 characters)
    results: SearchResults | None = None
    searched_for: str = ""  # the query the results are for, when not the typed one
    did_you_mean: str = ""
    too_short: bool = False
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"

    @property
    def has_filters(self) -> bool:
        return bool(filters_to_params(self.filters))

    @property
    def filter_params(self) -> list[tuple[str, str]]:
        return filters_to_params(self.filters)

    @property
    def query_string(self) -> str:
        """The canonical parameters of this page without ``page`` (for links and pagination)."""
        params = [("q", self.searched_for or self.query)] + filters_to_params(self.filters)
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        return urlencode(params)

    @property
    def pager(self) -> Pager | None:
        return Pager(self.results.page, self.results.num_pages) if self.results else None


@dataclass
class Pager:
    """What ``components/pagination.html`` (and a product grid) reads from a page of results."""

    number: int
    num_pages: int
    count: int = 0
    object_list: list = field(default_factory=list)

    @property
    def paginator(self) -> Pager:
        return self

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def site_search(*, query: str, filters: Filters, sort: str = "relevance", page: int = 1) -> SiteSearch:
    query = analysis.clean_query(query)
    outcome = SiteSearch(query=query, filters=filters, sort=sort)
    if not query:
        return outcome
    parsed = analysis.parse_query(query)
    if parsed.is_empty:
        outcome.too_short = True
        return outcome
    engine = get_engine()
    outcome.results = engine.search(SearchRequest(query=query, filters=filters, sort=sort, page=page))
    if outcome.results.total or page > 1:
        return outcome
    switched = analysis.switch_layout(query)
    if switched and not analysis.parse_query(switched).is_empty:
        other = engine.search(SearchRequest(query=switched, filters=filters, sort=sort, page=page))
        if other.total:
            outcome.results, outcome.searched_for = other, switched
            return outcome
    corrections = engine.correct(parsed.all_words)
    if corrections:
        corrected = " ".join(corrections.get(w, w) for w in analysis.words(query) if analysis.is_meaningful(w))
        outcome.did_you_mean = corrected
        other = engine.search(SearchRequest(query=corrected, filters=filters, sort=sort, page=page))
        if other.total:
            outcome.results, outcome.searched_for = other, corrected
    return outcome


CATEGORY_SORTS = {
    "popular": (_("newest first"), "date"),
    "rating": (_("by rating"), "rating"),
    "reviews": (_("by number of reviews"), "reviews"),
    "price": (_("cheapest first"), "price"),
    "-price": (_("most expensive first"), "-price"),
    "name": (_("by name"), "name"),
}
CATEGORY_PAGE_SIZE = 24


@dataclass
class CategoryProducts:
    """A category's products through the engine: the facets, and the page when filtered."""

    facets: dict
    filters: Filters
    sort: str
    pager: Pager | None
    query_string: str


def category_products(*, category_path: str, params: QueryDict) -> CategoryProducts:
    """Products of a category subtree with brand, price, rating and stock filters and exact
    facet counts. The engine serves the page only when a filter or an engine sort (rating,
    number of reviews) is asked for; the unfiltered listing stays the catalog's own."""
    from community.catalog.models import ProductPage
    from community.catalog.selectors import product_cards

    chosen = filters_from_query(params)
    filters = Filters(kinds=("product",), category_path=category_path, brands=chosen.brands,
                      stars_min=chosen.stars_min, price_bands=chosen.price_bands, in_stock=chosen.in_stock,
                      price_min=chosen.price_min, price_max=chosen.price_max)
    sort = params.get("sort", "popular")
    sort = sort if sort in CATEGORY_SORTS else "popular"
    page = page_number(params)
    results = get_engine().search(SearchRequest(query="", filters=filters, sort=CATEGORY_SORTS[sort][1], page=page,
                                                page_size=CATEGORY_PAGE_SIZE))
    hidden = [(k, v) for k, v in filters_to_params(filters) if k != "kind"]
    query_string = urlencode(hidden + [("sort", sort)])
    pager = None
    if hidden or sort in ("rating", "reviews"):
        ids = [hit.object_id for hit in results.hits]
        cards = {p.pk: p for p in product_cards(ProductPage.objects.filter(pk__in=ids))}
        pager = Pager(results.page, results.num_pages, results.total, [cards[pk] for pk in ids if pk in cards])
    return CategoryProducts(facets=results.facets, filters=filters, sort=sort, pager=pager, query_string=query_string)


def similar_question_ids(*, product_id: int, text: str, limit: int, exclude_id: int | None = None) -> list[int]:
    """Ids of the product's published questions like ``text`` (the engine's word forms, ё, both
    languages), best first: those whose titles share at least half (rounded down, at least
    one) of the text's words.

    Any word may match (the engine ranks the records sharing the most first); the half rule
    keeps a question that shares one word of five from being offered as "similar".
    """
    cleaned = analysis.clean_query(text)
    wanted = analysis.parse_query(cleaned).stems
    if not wanted:
        return []
    needed = max(1, len(wanted) // 2)
    results = get_engine().search(SearchRequest(
        query=cleaned, filters=Filters(kinds=("question",), product_id=product_id), page_size=limit * 4,
        with_facets=False, match_any=True))
    found = []
    for hit in results.hits:
        shared = len(wanted & {analysis.stem(w) for w in analysis.words(hit.title)})
        if hit.object_id != exclude_id and shared >= needed:
            found.append((-shared, hit.object_id))
    found.sort(key=lambda row: row[0])  # stable: the engine's order among equals
    return [pk for _shared, pk in found[:limit]]
