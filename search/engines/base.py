"""The one interface every search engine implements, and the values that cross it.

``index(records)`` / ``remove(keys)`` write; ``search(request)`` returns hits with highlights,
facet counts and the total; ``suggest(prefix)`` completes what is typed; ``correct(words)``
proposes known words for unknown ones ("did you mean"); ``significant_terms(product_id)`` finds
the words buyers use about a product more than about its category. The view never knows
which engine answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.utils.safestring import SafeString

from search.records import KINDS, PRICE_BANDS, SearchRecord

SORTS = ("relevance", "date", "rating", "reviews", "price", "-price", "name", "popular")
PAGE_SIZE = 20
MAX_PAGE = 50


@dataclass(frozen=True)
class Filters:
    """Facet filters (combinable; several values of one facet mean "any of them") and scopes."""

    kinds: tuple[str, ...] = ()
    categories: tuple[int, ...] = ()
    brands: tuple[str, ...] = ()
    stars_min: int | None = None
    price_bands: tuple[int, ...] = ()
    in_stock: bool = False
    accepted: bool = False
    verified: bool = False
    # Scopes, not facets: one product, a category subtree (tree path prefix), a price range.
    product_id: int | None = None
    category_path: str = ""
    price_min: Decimal | None = None
    price_max: Decimal | None = None

    FACETS = ("kinds", "categories", "brands", "stars_min", "price_bands", "in_stock", "accepted", "verified")

    def without(self, facet: str) -> Filters:
        empty = Filters()
        return replace(self, **{facet: getattr(empty, facet)})

    def is_scoped(self) -> bool:
        return self.product_id is not None or bool(self.category_path)


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    with_facets: bool = True
    # Records with any of the words (not all), ranked by how well they match ("similar questions").
    match_any: bool = False


@dataclass
class Hit:
    key: str
    kind: str
    object_id: int
    title: str
    url: str
    snippet: SafeString | str
    category_title: str = ""
    brand: str = ""
    price: Decimal | None = None
    in_stock: bool | None = None
    rating: float | None = None
    review_count: int = 0
    verified_purchase: bool | None = None
    has_accepted_answer: bool | None = None
    date: datetime | None = None
    title_html: SafeString | str = ""

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)


@dataclass
class FacetValue:
    value: object
    label: str
    count: int
    selected: bool


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    page: int = 1
    page_size: int = PAGE_SIZE
    approximate: bool = False  # counts extrapolated from a sample of a very common word's matches

    @property
    def num_pages(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.total // self.page_size)))


@dataclass
class Suggestion:
    """An autocomplete entry: a product, a category or a past query."""

    kind: str  # "product" | "category" | "query"
    label: str
    url: str


# --- facets from a grouped count --------------------------------------------------------------


@dataclass(frozen=True)
class CubeRow:
    """Matches counted by every facet value together (one grouped query gives all facets)."""

    kind: str
    category_id: int | None
    category_title: str
    brand: str
    stars: int | None
    price_band: int | None
    in_stock: bool | None
    accepted: bool | None
    verified: bool | None
    count: int


def _failures(row: CubeRow, filters: Filters) -> list[str]:
    """The facets whose chosen values ``row`` does not have (plain ifs: this runs per cube row)."""
    failed = []
    if filters.kinds and row.kind not in filters.kinds:
        failed.append("kinds")
    if filters.categories and row.category_id not in filters.categories:
        failed.append("categories")
    if filters.brands and row.brand not in filters.brands:
        failed.append("brands")
    if filters.stars_min is not None and (row.stars is None or row.stars < filters.stars_min):
        failed.append("stars_min")
    if filters.price_bands and row.price_band not in filters.price_bands:
        failed.append("price_bands")
    if filters.in_stock and not row.in_stock:
        failed.append("in_stock")
    if filters.accepted and not row.accepted:
        failed.append("accepted")
    if filters.verified and not row.verified:
        failed.append("verified")
    return failed


def facets_from_cube(rows: Iterable[CubeRow], filters: Filters) -> tuple[int, dict[str, list[FacetValue]]]:
    """The total and exact facet counts; each facet counted with every *other* filter applied,
    so choosing a value still shows how many its siblings have."""
    total = 0
    counters: dict[str, Counter] = {name: Counter() for name in Filters.FACETS}
    titles: dict[int, str] = {}
    for row in rows:
        failed = _failures(row, filters)
        if len(failed) > 1:
            continue  # outside every facet's count
        if not failed:
            total += row.count
        for name in failed or Filters.FACETS:
            if name == "kinds":
                counters[name][row.kind] += row.count
            elif name == "categories" and row.category_id is not None:
                counters[name][row.category_id] += row.count
                titles[row.category_id] = row.category_title
            elif name == "brands" and row.brand:
                counters[name][row.brand] += row.count
            elif name == "stars_min" and row.stars is not None:
                for stars in range(1, min(row.stars, 5) + 1):
                    counters[name][stars] += row.count
            elif name == "price_bands" and row.price_band is not None:
                counters[name][row.price_band] += row.count
            elif name == "in_stock" and row.in_stock or name == "accepted" and row.accepted or name == "verified" and row.verified:
                counters[name][True] += row.count
    facets = {
        "kinds": [FacetValue(k, str(KINDS[k]), counters["kinds"][k], k in filters.kinds)
                  for k in KINDS if counters["kinds"][k]],
        "categories": [FacetValue(pk, titles[pk], n, pk in filters.categories)
                       for pk, n in sorted(counters["categories"].items(), key=lambda kv: (-kv[1], titles[kv[0]]))],
        "brands": [FacetValue(b, b, n, b in filters.brands)
                   for b, n in sorted(counters["brands"].items(), key=lambda kv: (-kv[1], kv[0]))],
        "stars_min": [FacetValue(s, str(s), counters["stars_min"][s], filters.stars_min == s)
                      for s in (4, 3, 2, 1) if counters["stars_min"][s]],
        "price_bands": [FacetValue(i, str(PRICE_BANDS[i][1]), counters["price_bands"][i], i in filters.price_bands)
                        for i in range(len(PRICE_BANDS)) if counters["price_bands"][i]],
        "in_stock": [FacetValue(True, "", counters["in_stock"][True], filters.in_stock)] if counters["in_stock"] else [],
        "accepted": [FacetValue(True, "", counters["accepted"][True], filters.accepted)] if counters["accepted"] else [],
        "verified": [FacetValue(True, "", counters["verified"][True], filters.verified)] if counters["verified"] else [],
    }
    return total, facets


class SearchEngine:
    """The interface (see the module docstring). Engines subclass it."""

    name = "base"

    def index(self, records: list[SearchRecord]) -> int:
        raise NotImplementedError

    def remove(self, keys: list[str]) -> int:
        raise NotImplementedError

    def search(self, request: SearchRequest) -> SearchResults:
        raise NotImplementedError

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        raise NotImplementedError

    def correct(self, words: list[str]) -> dict[str, str]:
        """Replacements for the words the index does not know: ``{typed: known}``."""
        raise NotImplementedError

    def significant_terms(self, product_id: int, *, limit: int = 8) -> list[tuple[str, int]]:
        raise NotImplementedError

    def fingerprints(self, kind: str) -> dict[str, str]:
        """``{key: fingerprint}`` of what the index holds for ``kind`` (``reindex --check``)."""
        raise NotImplementedError

    def clear(self, kind: str | None = None) -> None:
        raise NotImplementedError

    def begin_rebuild(self, kinds: Iterable[str] = tuple(KINDS)) -> None:
        """Called by ``reindex`` before a full rebuild (the Elasticsearch engine opens a new index)."""

    def finish_rebuild(self) -> None:
        """Called after a full rebuild (the Elasticsearch engine swaps the alias atomically)."""
