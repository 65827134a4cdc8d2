"""The Elasticsearch engine (elasticsearch-dsl), for when the database is not enough.

One index of search records behind an alias (``<prefix>-records``). ``reindex`` of every kind
fills a new index (``<alias>-<timestamp>``) and swaps the alias in one atomic ``_aliases``
call, then drops the old index: searches never see an empty or half-built index.

Text is analysed for Russian and English together: ё → е (a char filter), lower case, Russian
and English stop words, then the Russian and the English Snowball stemmers (each leaves the
other alphabet alone). Titles also get a ``search_as_you_type`` sub-field for autocomplete; ``exact`` sub-fields (folded, unstemmed) feed the term
and phrase suggesters ("did you mean"); ``significant_text`` finds what buyers mention.
Facets are ``filter`` aggregations, each with every *other* chosen facet applied, and the
chosen facets themselves go to ``post_filter`` — the same counts as the database engine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import bulk, scan
from elasticsearch_dsl import (
    A,
    Boolean,
    Date,
    Document,
    Float,
    Integer,
    Keyword,
    Long,
    Q,
    ScaledFloat,
    Search,
    SearchAsYouType,
    Text,
    analyzer,
    char_filter,
    token_filter,
)

from search import analysis
from search.engines.base import (
    FacetValue,
    Filters,
    Hit,
    SearchEngine,
    SearchRequest,
    SearchResults,
    Suggestion,
)
from search.records import KINDS, PRICE_BANDS, PRODUCT, REVIEW, SearchRecord

logger = logging.getLogger(__name__)

yo_to_ye = char_filter("yo_to_ye", type="mapping", mappings=["ё => е", "Ё => Е"])
russian_stop = token_filter("russian_stop", type="stop", stopwords="_russian_")
english_stop = token_filter("english_stop", type="stop", stopwords="_english_")
russian_stemmer = token_filter("russian_stemmer", type="stemmer", language="russian")
english_stemmer = token_filter("english_stemmer", type="stemmer", language="english")

# Stemmed text: what search matches.
community_text = analyzer(
    "community_text", tokenizer="standard", char_filter=[yo_to_ye],
    filter=["lowercase", russian_stop, english_stop, russian_stemmer, english_stemmer],
)
# Folded but not stemmed: autocomplete and the suggesters' vocabulary.
community_folded = analyzer("community_folded", tokenizer="standard", char_filter=[yo_to_ye], filter=["lowercase"])

HIGHLIGHT_FRAGMENT = 220


class SearchDocument(Document):
    """One search record (see :class:`search.records.SearchRecord`)."""

    key = Keyword()
    kind = Keyword()
    object_id = Long()
    product_id = Long()
    title = Text(analyzer=community_text, fields={
        "exact": Text(analyzer=community_folded),
        "sayt": SearchAsYouType(analyzer=community_folded),
    })
    body = Text(analyzer=community_text, fields={"exact": Text(analyzer=community_folded)})
    url = Keyword(index=False)
    category_id = Long()
    category_title = Keyword()
    category_path = Keyword()
    brand = Keyword()
    price = ScaledFloat(scaling_factor=100)
    price_band = Integer()
    in_stock = Boolean()
    rating = Float()
    stars = Integer()
    review_count = Integer()
    verified_purchase = Boolean()
    has_accepted_answer = Boolean()
    date = Date()
    popularity = Float()
    fingerprint = Keyword(index=False)

    class Index:
        settings = {"number_of_shards": 1, "number_of_replicas": 0}

    @classmethod
    def from_record(cls, record: SearchRecord) -> SearchDocument:
        return cls(
            meta={"id": record.key}, key=record.key, kind=record.kind, object_id=record.object_id,
            product_id=record.product_id, title=record.title, body=record.body, url=record.url,
            category_id=record.category_id, category_title=record.category_title,
            category_path=record.category_path, brand=record.brand,
            price=float(record.price) if record.price is not None else None, price_band=record.price_band,
            in_stock=record.in_stock, rating=record.rating, stars=record.stars, review_count=record.review_count,
            verified_purchase=record.verified_purchase, has_accepted_answer=record.has_accepted_answer,
            date=record.date, popularity=record.popularity, fingerprint=record.fingerprint(),
        )


# Facet name → (document field, how a chosen value filters).
def _facet_filters(filters: Filters) -> dict[str, Q]:
    chosen: dict[str, Q] = {}
    if filters.kinds:
        chosen["kinds"] = Q("terms", kind=list(filters.kinds))
    if filters.categories:
        chosen["categories"] = Q("terms", category_id=list(filters.categories))
    if filters.brands:
        chosen["brands"] = Q("terms", brand=list(filters.brands))
    if filters.stars_min is not None:
        chosen["stars_min"] = Q("range", stars={"gte": filters.stars_min})
    if filters.price_bands:
        chosen["price_bands"] = Q("terms", price_band=list(filters.price_bands))
    if filters.in_stock:
        chosen["in_stock"] = Q("term", in_stock=True)
    if filters.accepted:
        chosen["accepted"] = Q("term", has_accepted_answer=True)
    if filters.verified:
        chosen["verified"] = Q("term", verified_purchase=True)
    return chosen


def _scope_filters(filters: Filters) -> list[Q]:
    scope = []
    if filters.product_id is not None:
        scope.append(Q("term", product_id=filters.product_id))
    if filters.category_path:
        scope.append(Q("prefix", category_path=filters.category_path))
    if filters.price_min is not None or filters.price_max is not None:
        bounds = {}
        if filters.price_min is not None:
            bounds["gte"] = float(filters.price_min)
        if filters.price_max is not None:
            bounds["lte"] = float(filters.price_max)
        scope.append(Q("range", price=bounds))
    return scope


_FACET_AGGS = {
    "kinds": lambda: A("terms", field="kind", size=len(KINDS)),
    "categories": lambda: A("terms", field="category_id", size=50,
                            aggs={"title": A("terms", field="category_title", size=1)}),
    "brands": lambda: A("terms", field="brand", size=100),
    "stars_min": lambda: A("terms", field="stars", size=5),
    "price_bands": lambda: A("terms", field="price_band", size=len(PRICE_BANDS)),
    "in_stock": lambda: A("filter", term={"in_stock": True}),
    "accepted": lambda: A("filter", term={"has_accepted_answer": True}),
    "verified": lambda: A("filter", term={"verified_purchase": True}),
}

_SORTS = {
    "date": [{"date": {"order": "desc", "missing": "_last"}}, {"key": "desc"}],
    "rating": [{"rating": {"order": "desc", "missing": "_last"}}, {"review_count": "desc"}, {"key": "desc"}],
    "reviews": [{"review_count": "desc"}, {"rating": {"order": "desc", "missing": "_last"}}, {"key": "desc"}],
    "popular": [{"popularity": "desc"}, {"key": "desc"}],
    "price": [{"price": {"order": "asc", "missing": "_last"}}, {"key": "asc"}],
    "-price": [{"price": {"order": "desc", "missing": "_last"}}, {"key": "desc"}],
    "name": [{"title.exact": "asc"}, {"key": "asc"}],
}


class ElasticsearchEngine(SearchEngine):
    name = "es"

    def __init__(self, url: str, *, alias: str | None = None, client: Elasticsearch | None = None) -> None:
        self.alias = alias or f"{getattr(settings, 'SEARCH_INDEX_PREFIX', 'community-search')}-records"
        self._url = url
        self._client = client
        self._target: str | None = None  # the new index while a full rebuild fills it

    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            self._client = Elasticsearch(self._url, request_timeout=10)
        return self._client

    # --- index management -----------------------------------------------------------------

    def index_definition(self, name: str):
        """The index (settings, analysers, mappings) as elasticsearch-dsl builds it."""
        from elasticsearch_dsl import Index

        index = Index(name)
        index.settings(**SearchDocument.Index.settings)
        index.document(SearchDocument)
        return index

    def ensure_index(self) -> None:
        if not self.client.indices.exists_alias(name=self.alias):
            name = self._new_index_name()
            self.index_definition(name).create(using=self.client)
            self.client.indices.put_alias(index=name, name=self.alias)

    def _new_index_name(self) -> str:
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 10**6:06d}"

    def begin_rebuild(self, kinds: Iterable[str] = tuple(KINDS)) -> None:
        """A rebuild of every kind fills a fresh index; of some kinds, the live one in place."""
        if set(kinds) >= set(KINDS):
            self._target = self._new_index_name()
            self.index_definition(self._target).create(using=self.client)
        else:
            self.ensure_index()

    def finish_rebuild(self) -> None:
        if self._target is None:
            return
        new, self._target = self._target, None
        self.client.indices.refresh(index=new)
        old = list(self.client.indices.get_alias(name=self.alias).keys()) if self.client.indices.exists_alias(
            name=self.alias) else []
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)  # atomic: readers switch at once
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)

    # --- writes ---------------------------------------------------------------------------

    def bulk_actions(self, records: list[SearchRecord], index: str) -> list[dict]:
        return [{"_index": index, "_id": r.key, "_source": SearchDocument.from_record(r).to_dict()} for r in records]

    def index(self, records: list[SearchRecord]) -> int:
        if not records:
            return 0
        if self._target is None:
            self.ensure_index()
        done, _errors = bulk(self.client, self.bulk_actions(records, self._target or self.alias),
                             refresh=self._target is None and "wait_for")
        return done

    def remove(self, keys: list[str]) -> int:
        if not keys:
            return 0
        self.ensure_index()
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": key} for key in keys]
        done, _errors = bulk(self.client, actions, raise_on_error=False, refresh="wait_for")
        return done

    def clear(self, kind: str | None = None) -> None:
        if self._target is not None:
            return  # a fresh index is being filled
        self.ensure_index()
        query = {"match_all": {}} if kind is None else {"term": {"kind": kind}}
        self.client.delete_by_query(index=self.alias, query=query, refresh=True, conflicts="proceed")

    def fingerprints(self, kind: str) -> dict[str, str]:
        try:
            return {hit["_id"]: hit["_source"]["fingerprint"] for hit in scan(
                self.client, index=self.alias, query={"query": {"term": {"kind": kind}}, "_source": ["fingerprint"]})}
        except NotFoundError:
            return {}

    # --- reads ----------------------------------------------------------------------------

    def text_query(self, parsed: analysis.ParsedQuery) -> Q:
        if parsed.is_empty:
            return Q("match_all")
        must = []
        if parsed.terms:
            must.append(Q("multi_match", query=" ".join(parsed.terms), fields=["title^3", "body"],
                          operator="or" if parsed.any_word else "and", fuzziness="AUTO", prefix_length=1))
        must += [Q("multi_match", query=" ".join(phrase), fields=["title^3", "body"], type="phrase")
                 for phrase in parsed.phrases]
        return Q("bool", must=must)

    def build_search(self, request: SearchRequest) -> Search:
        """The request as an elasticsearch-dsl ``Search`` (``to_dict()`` is the JSON sent)."""
        parsed = analysis.parse_query(request.query, any_word=request.match_any)
        chosen = _facet_filters(request.filters)
        search = Search(index=self.alias).query(
            Q("bool", must=[self.text_query(parsed)], filter=_scope_filters(request.filters)))
        if chosen:
            search = search.post_filter(Q("bool", filter=list(chosen.values())))
        if request.with_facets:
            for name, make in _FACET_AGGS.items():
                others = [q for facet, q in chosen.items() if facet != name]
                search.aggs.bucket(name, "filter", Q("bool", filter=others)).bucket("values", make())
        if request.sort in _SORTS:
            search = search.sort(*_SORTS[request.sort])
        elif parsed.is_empty:
            search = search.sort(*_SORTS["popular"])
        else:
            search = search.sort("_score", {"key": "desc"})
        if not parsed.is_empty:
            search = search.highlight_options(
                pre_tags=[analysis.HEADLINE_START], post_tags=[analysis.HEADLINE_STOP],
                fragment_size=HIGHLIGHT_FRAGMENT, number_of_fragments=1, no_match_size=HIGHLIGHT_FRAGMENT,
            ).highlight("title", number_of_fragments=0).highlight("body")
            search = search.suggest("did_you_mean", request.query, phrase={
                "field": "body.exact", "size": 1, "gram_size": 1, "confidence": 1.0,
                "direct_generator": [{"field": "body.exact", "suggest_mode": "missing"}],
            })
        start = (request.page - 1) * request.page_size
        search = search.source(excludes=["body"]).extra(track_total_hits=True)
        return search[start:start + request.page_size]

    def search(self, request: SearchRequest) -> SearchResults:
        self.ensure_index()
        response = self.build_search(request).using(self.client).execute()
        return self.parse_response(response, request)

    def parse_response(self, response, request: SearchRequest) -> SearchResults:
        hits = []
        for hit in response.hits:
            highlight = getattr(hit.meta, "highlight", None)
            title_html = (analysis.headline_to_html(highlight.title[0]) if highlight and "title" in highlight
                          else analysis.highlight(hit.title, set()))
            snippet = analysis.headline_to_html(highlight.body[0]) if highlight and "body" in highlight else ""
            hits.append(Hit(
                key=hit.key, kind=hit.kind, object_id=hit.object_id, title=hit.title, url=hit.url, snippet=snippet,
                category_title=hit.category_title or "", brand=hit.brand or "", price=hit.price, in_stock=hit.in_stock,
                rating=hit.rating, review_count=hit.review_count or 0, verified_purchase=hit.verified_purchase,
                has_accepted_answer=hit.has_accepted_answer, date=hit.date, title_html=title_html,
            ))
        facets = self.parse_facets(response.aggregations.to_dict() if hasattr(response, "aggregations") else {},
                                   request.filters) if request.with_facets else {}
        return SearchResults(hits=hits, total=response.hits.total.value, facets=facets, page=request.page,
                             page_size=request.page_size)

    @staticmethod
    def parse_facets(aggregations: dict, filters: Filters) -> dict[str, list[FacetValue]]:
        def buckets(name):
            return {b["key"]: b["doc_count"] for b in aggregations.get(name, {}).get("values", {}).get("buckets", [])}

        kinds, categories, brands = buckets("kinds"), buckets("categories"), buckets("brands")
        titles = {b["key"]: (b.get("title", {}).get("buckets") or [{"key": str(b["key"])}])[0]["key"]
                  for b in aggregations.get("categories", {}).get("values", {}).get("buckets", [])}
        stars, bands = buckets("stars_min"), buckets("price_bands")
        at_least = {s: sum(n for v, n in stars.items() if v >= s) for s in (4, 3, 2, 1)}

        def flag(name, selected):
            count = aggregations.get(name, {}).get("values", {}).get("doc_count", 0)
            return [FacetValue(True, "", count, selected)] if count else []

        return {
            "kinds": [FacetValue(k, str(KINDS[k]), kinds[k], k in filters.kinds) for k in KINDS if kinds.get(k)],
            "categories": [FacetValue(pk, titles[pk], n, pk in filters.categories) for pk, n in categories.items()],
            "brands": [FacetValue(b, b, n, b in filters.brands) for b, n in brands.items()],
            "stars_min": [FacetValue(s, str(s), n, filters.stars_min == s) for s, n in at_least.items() if n],
            "price_bands": [FacetValue(i, str(PRICE_BANDS[i][1]), bands[i], i in filters.price_bands)
                            for i in range(len(PRICE_BANDS)) if bands.get(i)],
            "in_stock": flag("in_stock", filters.in_stock),
            "accepted": flag("accepted", filters.accepted),
            "verified": flag("verified", filters.verified),
        }

    def build_suggest(self, typed: str, limit: int) -> Search:
        return Search(index=self.alias).query(Q("bool", filter=[Q("term", kind=PRODUCT)], must=[Q(
            "multi_match", query=typed, type="bool_prefix",
            fields=["title.sayt", "title.sayt._2gram", "title.sayt._3gram"])])
        ).source(["title", "url"])[:limit]

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        from search.engines.database import _categories
        from search.models import PopularQuery

        typed = " ".join(analysis.words(prefix))
        if len(typed) < 2:
            return []
        self.ensure_index()
        response = self.build_suggest(typed, limit).using(self.client).execute()
        result = [Suggestion("product", h.title, h.url) for h in response.hits]
        result += [Suggestion("category", title, url) for norm, title, url in _categories()
                   if norm.startswith(typed) or f" {typed}" in norm][:3]
        queries = PopularQuery.objects.filter(text__startswith=typed).order_by("-hits").values_list("text", flat=True)[:3]
        return result + [Suggestion("query", text, "") for text in queries]

    def build_correct(self, words: list[str]) -> Search:
        search = Search(index=self.alias).extra(size=0)
        for n, word in enumerate(words):
            search = search.suggest(f"w{n}", word, term={"field": "body.exact", "suggest_mode": "missing",
                                                          "size": 1, "min_word_length": 3})
        return search

    def correct(self, words: list[str]) -> dict[str, str]:
        words = [w for w in dict.fromkeys(words) if len(w) >= 3 and w.isalpha()][:5]
        if not words:
            return {}
        self.ensure_index()
        response = self.build_correct(words).using(self.client).execute()
        corrections = {}
        for n, word in enumerate(words):
            entries = getattr(response.suggest, f"w{n}", [])
            options = entries[0].options if entries else []
            if options:
                corrections[word] = options[0].text
        return corrections

    def build_significant_terms(self, product_id: int, category_path: str, limit: int) -> Search:
        search = Search(index=self.alias).query(
            Q("bool", filter=[Q("term", kind=REVIEW), Q("term", product_id=product_id)])).extra(size=0)
        search.aggs.bucket("sample", "sampler", shard_size=500).bucket(
            "mentions", "significant_text", field="body.exact", size=limit, min_doc_count=3,
            filter_duplicate_text=True,
            background_filter={"bool": {"filter": [{"term": {"kind": REVIEW}},
                                                   {"term": {"category_path": category_path}}]}},
        )
        return search

    def significant_terms(self, product_id: int, *, limit: int = 8) -> list[tuple[str, int]]:
        self.ensure_index()
        first = Search(index=self.alias).filter("term", product_id=product_id).source(["category_path"])[:1]
        found = first.using(self.client).execute()
        if not found.hits:
            return []
        search = self.build_significant_terms(product_id, found.hits[0].category_path, limit)
        response = search.using(self.client).execute()
        return [(b.key, b.doc_count) for b in response.aggregations.sample.mentions.buckets
                if b.key not in analysis.STOP_WORDS]
