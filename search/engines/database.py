"""The database engine: PostgreSQL full-text search or SQLite FTS5, behind one interface.

Records live in :class:`search.models.SearchEntry`. What differs by database is only how a
query matches, ranks and highlights, kept in the two dialect classes at the end:

* PostgreSQL: a generated ``tsvector`` (``russian`` configuration: Russian Snowball for
  Cyrillic, English Snowball for Latin words; title weight A, text B) with a GIN index and a
  title-only ``title_vector`` with its own, ``websearch_to_tsquery``, ``ts_headline`` computed
  for the page's hits only, and pg_trgm for "did you mean" and autocomplete.
* SQLite: FTS5 over stems computed in Python (:mod:`search.analysis`), with rowids that carry
  the static score (``fts_rowid``), highlights in Python, and an FTS5 trigram table over the
  vocabulary.

Relevance is the same on both (see ``EXACT_RANKING``): title matches first, then the stored
static score, so a page comes from an index walk whatever the number of matches.

Facet counts: one grouped query counts the matches by every facet value at once, and
:func:`search.engines.base.facets_from_cube` derives each facet from it; exact up to
``FACET_SAMPLE`` matches, beyond that from a sample, scaled and marked approximate («≈»).
"""

from __future__ import annotations

import json
import logging
import struct
from collections import Counter
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Length

from search import analysis
from search.engines.base import (
    CubeRow,
    Filters,
    Hit,
    SearchEngine,
    SearchRequest,
    SearchResults,
    Suggestion,
    facets_from_cube,
)
from search.models import PopularQuery, SearchEntry, SearchTerm
from search.records import PRODUCT, REVIEW, SearchRecord

logger = logging.getLogger(__name__)

# Relevance is (title tier, stored static score, id): records whose title holds every query word
# and phrase come first, then the rest, each by ``popularity`` (a product's reviews, a review's
# helpfulness, a question's votes and answers), newest id first among equals. Every part of
# that order is known without reading a document's text, so each tier's first page comes
# straight from the index on (popularity, id), however common the words: exact, not sampled.
# True ranks every match in one sort instead (the reference bench/search.py compares with).
EXACT_RANKING = False
FACET_SAMPLE = 2000
SAMPLE_RUN = 32  # SQLite: the facet sample takes runs of this many consecutive ids
# Words every review uses whatever the product («пользуюсь», «минусов», «месяц»): never a mention.
MENTION_FILLER = """
    пользуюсь пользовался пользуемся минусы минусов плюсы плюсов год года месяц месяца месяцев неделю недели
    полгода день дня тому выше ниже долго отлично хорошо плохо цену цена цене брал взял купил купила покупка
    покупкой товар товара доволен довольна сравнивал пожалел выбирал остановился конкурентами смешанные
    впечатления рекомендую советую очень просто вообще сразу пока стал стало теперь раньше после
"""
MENTION_FILLER_STEMS = frozenset(analysis.stem(w) for w in MENTION_FILLER.split())
MIN_VOCABULARY_WORD = 3
CATEGORY_CACHE_KEY = "search:categories:v1"
CATEGORY_CACHE_SECONDS = 300

# SQLite: the FTS5 rowid carries the ranking order. Its high 31 bits are an order-preserving
# bucket of ``popularity`` (sign, exponent and the top 19 bits of the mantissa of the float:
# values closer than one part in 500,000 share a bucket), its low 32 bits the entry's id. A
# walk of the matches by rowid, newest first, is thus a walk by (bucket, id) that FTS5 does
# from its own doclists and stops after a page: no row of the table is read for the rest.
ROWID_ID_BITS = 32
ROWID_ID_MASK = (1 << ROWID_ID_BITS) - 1


def fts_rowid(popularity: float, entry_id: int) -> int:
    """The FTS5 rowid of an entry: (popularity bucket, id), ordered as (popularity, id) but
    for distinct popularities within one bucket (the ranking sorts those exactly)."""
    if not 0 < entry_id <= ROWID_ID_MASK:
        raise ValueError(f"search entry id out of the FTS5 rowid's range: {entry_id}")
    (bits,) = struct.unpack(">Q", struct.pack(">d", float(popularity) + 0.0))  # + 0.0: no -0.0
    ordered = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | 1 << 63  # as unsigned integers
    return (ordered >> 33) << ROWID_ID_BITS | entry_id

_HIT_COLUMNS = (
    "e.id, e.key, e.kind, e.object_id, e.title, e.url, e.category_title, e.brand, e.price, e.in_stock, e.rating,"
    " e.review_count, e.verified_purchase, e.has_accepted_answer, e.date"
)
_CUBE_COLUMNS = (
    "e.kind, e.category_id, e.category_title, e.brand, e.stars, e.price_band, e.in_stock,"
    " e.has_accepted_answer, e.verified_purchase"
)


def vocabulary_words(text: str) -> set[str]:
    """Distinct words of ``text`` worth proposing in "did you mean" (letters only, 3+ long)."""
    return {w for w in analysis.words(text) if len(w) >= MIN_VOCABULARY_WORD and w.isalpha()
            and w not in analysis.STOP_WORDS}


def _in(column: str, values: Iterable, params: list) -> str:
    values = list(values)
    params.extend(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def filter_sql(filters: Filters, *, facets: bool = True) -> tuple[str, list]:
    """The WHERE conditions (on alias ``e``) of the scopes and, with ``facets``, the facets."""
    clauses: list[str] = []
    params: list = []
    if filters.product_id is not None:
        clauses.append("e.product_id = %s")
        params.append(filters.product_id)
    if filters.category_path:
        clauses.append("e.category_path LIKE %s")
        params.append(filters.category_path.replace("%", "").replace("_", "") + "%")
    if filters.price_min is not None:
        clauses.append("e.price >= %s")
        params.append(filters.price_min)
    if filters.price_max is not None:
        clauses.append("e.price <= %s")
        params.append(filters.price_max)
    if facets:
        if filters.kinds:
            clauses.append(_in("e.kind", filters.kinds, params))
        if filters.categories:
            clauses.append(_in("e.category_id", filters.categories, params))
        if filters.brands:
            clauses.append(_in("e.brand", filters.brands, params))
        if filters.stars_min is not None:
            clauses.append("e.stars >= %s")
            params.append(filters.stars_min)
        if filters.price_bands:
            clauses.append(_in("e.price_band", filters.price_bands, params))
        if filters.in_stock:
            clauses.append("e.in_stock = %s")
            params.append(True)
        if filters.accepted:
            clauses.append("e.has_accepted_answer = %s")
            params.append(True)
        if filters.verified:
            clauses.append("e.verified_purchase = %s")
            params.append(True)
    return " AND ".join(clauses) or "1 = 1", params


# NULLS LAST spelled out: PostgreSQL puts NULLs first in descending order, SQLite last.
_ORDER = {
    "date": "e.date DESC NULLS LAST, e.id DESC",
    "rating": "e.rating DESC NULLS LAST, e.review_count DESC, e.id DESC",
    "reviews": "e.review_count DESC, e.rating DESC NULLS LAST, e.id DESC",
    "popular": "e.popularity DESC, e.id DESC",
    "price": "e.price NULLS LAST, e.id",
    "-price": "e.price DESC NULLS LAST, e.id DESC",
    "name": "e.title, e.id",
}


class DatabaseEngine(SearchEngine):
    name = "db"

    def __init__(self) -> None:
        self.dialect = _Postgres() if connection.vendor == "postgresql" else _Sqlite()
        self._rebuilding = False

    def begin_rebuild(self, kinds: Iterable[str] = ()) -> None:
        # The vocabulary is recounted once at the end instead of chunk by chunk.
        self._rebuilding = True

    def finish_rebuild(self) -> None:
        self._rebuilding = False
        self.rebuild_vocabulary()

    # --- writes ---------------------------------------------------------------------------

    def index(self, records: list[SearchRecord]) -> int:
        """Store ``records`` (replacing what the index held for their keys)."""
        if not records:
            return 0
        vocabulary = not self._rebuilding
        records = list({r.key: r for r in records}.values())
        with transaction.atomic():
            old = list(SearchEntry.objects.filter(key__in=[r.key for r in records]).values_list("id", "title", "body"))
            delta: Counter = Counter()
            if vocabulary:
                for _pk, title, body in old:
                    delta.subtract(vocabulary_words(f"{title} {body}"))
                for record in records:
                    delta.update(vocabulary_words(f"{record.title} {record.body}"))
            self._delete([pk for pk, _t, _b in old])
            entries = SearchEntry.objects.bulk_create([_entry(r) for r in records])
            self.dialect.after_insert(entries, records)
            self._apply_vocabulary(delta)
        return len(records)

    def remove(self, keys: list[str]) -> int:
        if not keys:
            return 0
        with transaction.atomic():
            old = list(SearchEntry.objects.filter(key__in=list(keys)).values_list("id", "title", "body"))
            delta: Counter = Counter()
            for _pk, title, body in old:
                delta.subtract(vocabulary_words(f"{title} {body}"))
            self._delete([pk for pk, _t, _b in old])
            self._apply_vocabulary(delta)
        return len(old)

    def _delete(self, ids: list[int]) -> None:
        if ids:
            self.dialect.before_delete(ids)
            SearchEntry.objects.filter(pk__in=ids).delete()

    def _apply_vocabulary(self, delta: Counter) -> None:
        """Add the words' record counts; words no record uses any more go."""
        changed = {term: d for term, d in delta.items() if d}
        if not changed:
            return
        new = [t for t, d in changed.items() if d > 0]
        SearchTerm.objects.bulk_create(
            [SearchTerm(term=t, stem=analysis.stem(t), frequency=0) for t in new], ignore_conflicts=True, batch_size=500)
        by_delta: dict[int, list[str]] = {}
        for term, d in changed.items():
            by_delta.setdefault(d, []).append(term)
        for d, terms in by_delta.items():
            for start in range(0, len(terms), 500):
                SearchTerm.objects.filter(term__in=terms[start:start + 500]).update(frequency=F("frequency") + d)
        gone = [t for t, d in changed.items() if d < 0]
        for start in range(0, len(gone), 500):
            SearchTerm.objects.filter(term__in=gone[start:start + 500], frequency__lte=0).delete()

    def rebuild_vocabulary(self) -> int:
        """Recount the vocabulary from every entry (after a full rebuild)."""
        counts: Counter = Counter()
        for title, body in SearchEntry.objects.values_list("title", "body").iterator(chunk_size=2000):
            counts.update(vocabulary_words(f"{title} {body}"))
        with transaction.atomic():
            SearchTerm.objects.all().delete()
            SearchTerm.objects.bulk_create(
                [SearchTerm(term=t, stem=analysis.stem(t), frequency=n) for t, n in counts.items()], batch_size=1000)
        return len(counts)

    def clear(self, kind: str | None = None) -> None:
        with transaction.atomic():
            entries = SearchEntry.objects.all() if kind is None else SearchEntry.objects.filter(kind=kind)
            self.dialect.clear(kind)
            entries.delete()

    def fingerprints(self, kind: str) -> dict[str, str]:
        return dict(SearchEntry.objects.filter(kind=kind).values_list("key", "fingerprint"))

    # --- reads ----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        parsed = analysis.parse_query(request.query, any_word=request.match_any)
        filters = request.filters
        match_from, match_where, match_params = self.dialect.match(parsed)
        total, facets, approximate = 0, {}, False
        if request.with_facets:
            cube, scale = self._cube(parsed, filters, match_from, match_where, match_params)
            total, facets = facets_from_cube(cube, filters)
            if scale is not None:
                # A very common word: counts from a sample of the matches, scaled and marked "≈".
                approximate = True
                total = round(total * scale)
                for values in facets.values():
                    for value in values:
                        value.count = round(value.count * scale)
            if total == 0:
                return SearchResults(hits=[], total=0, facets=facets, page=request.page, page_size=request.page_size)
        offset = (request.page - 1) * request.page_size
        rows = self.dialect.hits(parsed, filters, request.sort, request.page_size, offset)
        stems = parsed.stems
        hits = [
            Hit(key=e.key, kind=e.kind, object_id=e.object_id, title=e.title, url=e.url,
                snippet=e.snippet, category_title=e.category_title, brand=e.brand, price=e.price,
                in_stock=e.in_stock, rating=e.rating, review_count=e.review_count,
                verified_purchase=e.verified_purchase, has_accepted_answer=e.has_accepted_answer, date=e.date,
                title_html=analysis.highlight(e.title, stems, length=400))
            for e in rows
        ]
        if not request.with_facets:
            total = len(hits) + offset
        return SearchResults(hits=hits, total=total, facets=facets, page=request.page, page_size=request.page_size,
                             approximate=approximate)

    def _cube(self, parsed, filters: Filters, match_from: str, match_where: str, match_params: list):
        """Matches counted by every facet value at once; returns (rows, scale).

        A query with more than ``FACET_SAMPLE`` matches is counted from a sample and ``scale``
        extrapolates it to all matches (the page marks such counts "≈"): on SQLite the matches
        whose id falls on a regular step (see ``_Sqlite.cube``), scaled by the exact number of
        matches; on PostgreSQL the matches on randomly chosen table pages (``TABLESAMPLE
        SYSTEM``, about ``FACET_SAMPLE`` rows), scaled by the share of the table read. Otherwise the counts are
        exact and ``scale`` is None.
        """
        scope_sql, scope_params = filter_sql(filters, facets=False)
        where, params = f"{match_where} AND {scope_sql}", match_params + scope_params
        if not parsed.is_empty and not self.dialect.SAMPLE and self.dialect.sampled(match_from, where, params):
            percent = self.dialect.SAMPLE_PERCENT
            sql = (f"SELECT {_CUBE_COLUMNS}, COUNT(*), {percent} FROM (SELECT {_CUBE_COLUMNS}"  # noqa: S608
                   f" FROM {match_from} TABLESAMPLE SYSTEM ({percent}) REPEATABLE (20) WHERE {where}) e"
                   f" GROUP BY {_CUBE_COLUMNS}")
            with connection.cursor() as cursor:
                cursor.execute(sql, [FACET_SAMPLE, FACET_SAMPLE] + params)
                rows = cursor.fetchall()
            if rows:
                return [_cube_row(row[:-1]) for row in rows], 100.0 / float(rows[0][-1])
            # The estimate was far off and the pages read held no match: count them all.
        if self.dialect.SAMPLE and not parsed.is_empty:
            return self.dialect.cube(parsed, match_where, match_params, scope_sql, scope_params)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_CUBE_COLUMNS}, COUNT(*) FROM {match_from} WHERE {where}"  # noqa: S608
                           f" GROUP BY {_CUBE_COLUMNS}", params)
            return [_cube_row(row) for row in cursor.fetchall()], None

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        """Products by name or brand, categories and past queries that start with ``prefix``."""
        typed = " ".join(analysis.words(prefix))
        result = self._suggest(typed, limit) if len(typed) >= 2 else []
        if not result and (switched := analysis.switch_layout(prefix.lower())):
            typed = " ".join(analysis.words(switched))
            result = self._suggest(typed, limit) if len(typed) >= 2 else []
        return result

    def _suggest(self, typed: str, limit: int) -> list[Suggestion]:
        products = (SearchEntry.objects.filter(kind=PRODUCT)
                    .filter(Q(autocomplete__startswith=typed) | Q(autocomplete__contains=" " + typed))
                    .order_by("-popularity", "title").values_list("title", "url")[:limit])
        result = [Suggestion("product", title, url) for title, url in products]
        result += [Suggestion("category", title, url) for norm, title, url in _categories()
                   if norm.startswith(typed) or f" {typed}" in norm][:3]
        queries = PopularQuery.objects.filter(text__startswith=typed).order_by("-hits").values_list("text", flat=True)[:3]
        result += [Suggestion("query", text, "") for text in queries]
        return result

    def correct(self, words: list[str]) -> dict[str, str]:
        words = [w for w in dict.fromkeys(words) if len(w) >= MIN_VOCABULARY_WORD and w.isalpha()][:5]
        if not words:
            return {}
        stems = {w: analysis.stem(w) for w in words}
        known = SearchTerm.objects.filter(Q(term__in=words) | Q(stem__in=set(stems.values()))).values_list(
            "term", "stem")
        known_terms, known_stems = set(), set()
        for term, stem in known:
            known_terms.add(term)
            known_stems.add(stem)
        corrections = {}
        for word in words:
            if word in known_terms or stems[word] in known_stems:
                continue
            candidates = set(self.dialect.similar_terms(word)) | set(_same_start(word))
            scored = []
            allowed = analysis.allowed_typos(word)
            for term, freq in candidates:
                if abs(len(term) - len(word)) > allowed:
                    continue
                distance = analysis.edit_distance(word, term)
                if distance <= allowed:
                    scored.append((distance, -freq, term))
            if scored:
                corrections[word] = min(scored)[2]
        return corrections

    def significant_terms(self, product_id: int, *, limit: int = 8) -> list[tuple[str, int]]:
        """Words in this product's reviews that are more frequent there than in its category.

        Counted from the index: documents per stem in the product's reviews (foreground)
        against the reviews of the product's category (background), scored like
        Elasticsearch's JLH (absolute gain × relative gain); each stem shows its most used form.
        """
        reviews = SearchEntry.objects.filter(kind=REVIEW, product_id=product_id)
        foreground = list(reviews.values_list("body", "category_path")[:500])
        if len(foreground) < 3:
            return []
        category_path = foreground[0][1]
        background = SearchEntry.objects.filter(kind=REVIEW, category_path=category_path).exclude(
            product_id=product_id).order_by("-id").values_list("body", flat=True)[:2000]
        fg_docs, forms = Counter(), {}
        for body, _path in foreground:
            seen = set()
            for word in vocabulary_words(body):
                stem = analysis.stem(word)
                forms.setdefault(stem, Counter())[word] += 1
                seen.add(stem)
            fg_docs.update(seen)
        bg_docs = Counter()
        bg_total = 0
        for body in background:
            bg_total += 1
            bg_docs.update({analysis.stem(w) for w in vocabulary_words(body)})
        fg_total = len(foreground)
        scored = []
        for stem, n in fg_docs.items():
            if n < 3 or stem in MENTION_FILLER_STEMS:
                continue
            fg_rate = n / fg_total
            bg_rate = (bg_docs[stem] + 1) / (bg_total + 1)
            if fg_rate > bg_rate:
                scored.append(((fg_rate - bg_rate) * (fg_rate / bg_rate), n, stem))
        scored.sort(reverse=True)
        return [(forms[stem].most_common(1)[0][0], n) for _score, n, stem in scored[:limit]]


def _cube_row(row) -> CubeRow:
    kind, cat, cat_title, brand, stars, band, stock, accepted, verified, count = row
    return CubeRow(kind, cat, cat_title or "", brand or "", stars, band, None if stock is None else bool(stock),
                   None if accepted is None else bool(accepted), None if verified is None else bool(verified), count)


def _entry(record: SearchRecord) -> SearchEntry:
    return SearchEntry(
        key=record.key, kind=record.kind, object_id=record.object_id, product_id=record.product_id,
        title=record.title, body=record.body, url=record.url, category_id=record.category_id,
        category_title=record.category_title, category_path=record.category_path, brand=record.brand,
        price=record.price, price_band=record.price_band, in_stock=record.in_stock, rating=record.rating,
        stars=record.stars, review_count=record.review_count, verified_purchase=record.verified_purchase,
        has_accepted_answer=record.has_accepted_answer, date=record.date, popularity=record.popularity,
        autocomplete=" ".join(analysis.words(f"{record.brand} {record.title}")) if record.kind == PRODUCT else "",
        fingerprint=record.fingerprint(),
    )


def _same_start(word: str, limit: int = 300) -> list[tuple[str, int]]:
    """Known words that begin with the same two letters (typos inside a word that trigrams
    miss, such as swapped letters), the most frequent first; a range scan of the unique index."""
    start = word[:2]
    upper = start[:-1] + chr(ord(start[-1]) + 1)
    allowed = analysis.allowed_typos(word)
    return list(SearchTerm.objects.filter(term__gte=start, term__lt=upper)
                .annotate(length=Length("term"))
                .filter(length__gte=len(word) - allowed, length__lte=len(word) + allowed)
                .order_by("-frequency").values_list("term", "frequency")[:limit])


def forget_categories() -> None:
    """Drop the cached categories (a category was published, unpublished or moved)."""
    cache.delete(CATEGORY_CACHE_KEY)


def _categories() -> list[tuple[str, str, str]]:
    """(normalised title, title, URL) of live categories, cached for a few minutes."""
    found = cache.get(CATEGORY_CACHE_KEY)
    if found is None:
        from community.catalog.models import CategoryPage

        found = [(" ".join(analysis.words(c.title)), c.title, c.url or "")
                 for c in CategoryPage.objects.live().order_by("path")]
        cache.set(CATEGORY_CACHE_KEY, found, CATEGORY_CACHE_SECONDS)
    return found


# --- dialects ------------------------------------------------------------------------------------


class _Postgres:
    SAMPLE = False  # no cheap "first N matches" here: random pages instead (see DatabaseEngine._cube)
    HEADLINE = ("StartSel=" + analysis.HEADLINE_START + ", StopSel=" + analysis.HEADLINE_STOP
                + ", MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=1, FragmentDelimiter=\" … \"")

    def after_insert(self, entries, records) -> None:
        """The ``tsvector`` column is generated by PostgreSQL itself."""

    def before_delete(self, ids) -> None:
        """Nothing beside the row."""

    def clear(self, kind) -> None:
        """Nothing beside the rows."""

    def match(self, parsed: analysis.ParsedQuery) -> tuple[str, str, list]:
        if parsed.is_empty:
            return "search_searchentry e", "1 = 1", []
        if parsed.any_word:
            return "search_searchentry e", "e.vector @@ to_tsquery('russian', %s)", [parsed.tsquery_any()]
        return "search_searchentry e", "e.vector @@ websearch_to_tsquery('russian', %s)", [self.query_text(parsed)]

    @staticmethod
    def query_text(parsed: analysis.ParsedQuery) -> str:
        return analysis.normalize(parsed.text)

    def hits(self, parsed, filters: Filters, sort: str, limit: int, offset: int):
        where, params = filter_sql(filters)
        if parsed.is_empty:
            order = _ORDER.get(sort, _ORDER["popular"])
            sql = (f"SELECT {_HIT_COLUMNS}, e.body AS snippet_source FROM search_searchentry e WHERE {where}"  # noqa: S608
                   f" ORDER BY {order} LIMIT %s OFFSET %s")
            return _with_snippets(SearchEntry.objects.raw(sql, params + [limit, offset]), set())
        text = self.query_text(parsed)
        if parsed.any_word:
            return self.any_word_hits(parsed, where, params, limit, offset)
        if sort in _ORDER and sort != "popular":
            page_sql = (f"SELECT e.id, 0 AS tier FROM search_searchentry e"  # noqa: S608
                        f" WHERE e.vector @@ websearch_to_tsquery('russian', %s) AND {where}"
                        f" ORDER BY {_ORDER[sort]} LIMIT %s OFFSET %s")
            page_params = [text] + params + [limit, offset]
        else:
            page_sql, page_params = self.ranked_page(parsed, where, params, limit, offset)
        outer_order = (_ORDER[sort] if sort in _ORDER and sort != "popular"
                       else "page.tier DESC, e.popularity DESC, e.id DESC")
        sql = (f"SELECT {_HIT_COLUMNS}, ts_headline('russian', e.body, websearch_to_tsquery('russian', %s), %s)"  # noqa: S608
               f" AS headline FROM ({page_sql}) page JOIN search_searchentry e ON e.id = page.id ORDER BY {outer_order}")
        rows = list(SearchEntry.objects.raw(sql, [text, self.HEADLINE] + page_params))
        for row in rows:
            row.snippet = analysis.headline_to_html(row.headline)
        return rows

    def any_word_hits(self, parsed, where: str, params: list, limit: int, offset: int):
        """Records with any of the words, the most matched words first (``ts_rank`` over every
        match: used within one product, where the matches are few)."""
        words = parsed.tsquery_any()
        sql = (f"SELECT {_HIT_COLUMNS}, e.body AS snippet_source,"  # noqa: S608
               " ts_rank(e.vector, to_tsquery('russian', %s)) AS score FROM search_searchentry e"
               f" WHERE e.vector @@ to_tsquery('russian', %s) AND {where}"
               " ORDER BY score DESC, e.popularity DESC, e.id DESC LIMIT %s OFFSET %s")
        return _with_snippets(SearchEntry.objects.raw(sql, [words, words] + params + [limit, offset]), parsed.stems)

    def ranked_page(self, parsed, where: str, params: list, limit: int, offset: int) -> tuple[str, list]:
        """The ids (and tiers) of one page by relevance (see ``EXACT_RANKING``)."""
        text = title = self.query_text(parsed)
        matches = "e.vector @@ websearch_to_tsquery('russian', %s)"
        in_title = "e.title_vector @@ websearch_to_tsquery('russian', %s)"
        if EXACT_RANKING:
            sql = (f"SELECT e.id, CASE WHEN {in_title} THEN 1 ELSE 0 END AS tier FROM search_searchentry e"  # noqa: S608
                   f" WHERE {matches} AND {where} ORDER BY tier DESC, e.popularity DESC, e.id DESC LIMIT %s OFFSET %s")
            return sql, [title, text] + params + [limit, offset]
        # Each tier walks the (popularity, id) index and stops at the page's end; only the rows
        # it passes are tested against the query (or, for a rare word, GIN finds the few matches).
        branch = ("(SELECT e.id, {tier} AS tier, e.popularity FROM search_searchentry e WHERE {match} AND {where}"
                  " ORDER BY e.popularity DESC, e.id DESC LIMIT %s)")
        sql = ("SELECT c.id, c.tier FROM ("  # noqa: S608
               # Only the title's own GIN index finds this tier; the whole-text condition is
               # checked on its few rows (IS TRUE keeps the planner from scanning both indexes).
               + branch.format(tier=1, match=f"{in_title} AND ({matches}) IS TRUE", where=where)
               + " UNION ALL "
               + branch.format(tier=0, match=f"{matches} AND NOT {in_title}", where=where)
               + ") c ORDER BY c.tier DESC, c.popularity DESC, c.id DESC LIMIT %s OFFSET %s")
        return sql, ([title, text] + params + [limit + offset] + [text, title] + params + [limit + offset]
                     + [limit, offset])

    def sampled(self, match_from: str, match_where: str, params: list) -> bool:
        """Whether to count facets from a sample: the planner estimates more than
        ``FACET_SAMPLE`` matches (from the ``tsvector`` statistics; one EXPLAIN, no rows read)."""
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {match_from} WHERE {match_where}", params)  # noqa: S608
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return plan[0]["Plan"]["Plan Rows"] > FACET_SAMPLE

    # About FACET_SAMPLE rows of randomly chosen pages (the share computed in the same query).
    SAMPLE_PERCENT = ("(SELECT least(100, 100.0 * %s / greatest(reltuples, 1)) FROM pg_class"
                      " WHERE oid = 'search_searchentry'::regclass)")

    def similar_terms(self, word: str) -> list[tuple[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                # The GiST trigram index returns the nearest words in order (KNN); the caller
                # breaks ties by frequency.
                "SELECT term, frequency FROM search_searchterm WHERE term %% %s"
                " ORDER BY term <-> %s LIMIT 10", [word, word])
            return cursor.fetchall()


class _Sqlite:
    SAMPLE = True
    # The table row of an FTS5 row; CROSS JOIN keeps FTS5 the outer loop (the masked rowid
    # cannot be looked up from the table's side).
    FROM = f"search_fts CROSS JOIN search_searchentry e ON e.id = (search_fts.rowid & {ROWID_ID_MASK})"

    def after_insert(self, entries, records) -> None:
        rows = [(fts_rowid(e.popularity, e.pk), analysis.stemmed_text(r.title),
                 analysis.stemmed_text(f"{r.brand} {r.body}"))
                for e, r in zip(entries, records, strict=True)]
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO search_fts(rowid, title, body) VALUES (%s, %s, %s)", rows)

    def before_delete(self, ids) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                rowids = [fts_rowid(popularity, pk) for pk, popularity in
                          SearchEntry.objects.filter(pk__in=chunk).values_list("pk", "popularity")]
                if rowids:
                    cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({', '.join(['%s'] * len(rowids))})",  # noqa: S608
                                   rowids)

    def clear(self, kind) -> None:
        with connection.cursor() as cursor:
            if kind is None:
                cursor.execute("DELETE FROM search_fts")
            else:
                cursor.execute(f"DELETE FROM search_fts WHERE (rowid & {ROWID_ID_MASK}) IN"  # noqa: S608
                               " (SELECT id FROM search_searchentry WHERE kind = %s)", [kind])

    def match(self, parsed: analysis.ParsedQuery) -> tuple[str, str, list]:
        if parsed.is_empty:
            return "search_searchentry e", "1 = 1", []
        return self.FROM, "search_fts MATCH %s", [parsed.fts5_match()]

    def hits(self, parsed, filters: Filters, sort: str, limit: int, offset: int):
        where, params = filter_sql(filters)
        match_from, match_where, match_params = self.match(parsed)
        if sort in _ORDER or parsed.is_empty:
            order = _ORDER.get(sort, _ORDER["popular"])
            sql = (f"SELECT {_HIT_COLUMNS}, e.body AS snippet_source FROM {match_from}"  # noqa: S608
                   f" WHERE {match_where} AND {where} ORDER BY {order} LIMIT %s OFFSET %s")
            return _with_snippets(SearchEntry.objects.raw(sql, match_params + params + [limit, offset]), parsed.stems)
        if parsed.any_word:  # the most matched words first (bm25; within one product: few matches)
            sql = (f"SELECT {_HIT_COLUMNS}, e.body AS snippet_source FROM {match_from}"  # noqa: S608
                   f" WHERE {match_where} AND {where} ORDER BY bm25(search_fts, 10.0, 4.0), e.popularity DESC,"
                   " e.id DESC LIMIT %s OFFSET %s")
            return _with_snippets(SearchEntry.objects.raw(sql, match_params + params + [limit, offset]), parsed.stems)
        page_sql, page_params = self.ranked_page(parsed, where, params, limit, offset)
        sql = (f"SELECT {_HIT_COLUMNS}, e.body AS snippet_source FROM ({page_sql}) page"  # noqa: S608
               " JOIN search_searchentry e ON e.id = page.id ORDER BY page.tier DESC, e.popularity DESC, e.id DESC")
        return _with_snippets(SearchEntry.objects.raw(sql, page_params), parsed.stems)

    def cube(self, parsed, match_where: str, match_params: list, scope_sql: str, scope_params: list):
        """Facet counts of a query's matches: (rows, scale), see ``DatabaseEngine._cube``.

        Exact up to ``FACET_SAMPLE`` matches. Beyond, a systematic sample: the matches whose
        entry id falls in every step-th run of ``SAMPLE_RUN`` ids, the step chosen from the
        vocabulary's record counts (about ``FACET_SAMPLE`` of them), with the exact number of
        matches counted in the same pass over the FTS5 doclists. A sample by id, not the first
        matches: FTS5 returns those by popularity, which goes with the kind and the rating.
        Words the vocabulary does not hold (shorter than three letters, digits) are counted
        exactly, however many records they match.
        """
        where, params = f"{match_where} AND {scope_sql}", match_params + scope_params
        estimate = self.estimated_matches(parsed)
        with connection.cursor() as cursor:
            if estimate > FACET_SAMPLE:
                step = max(1, estimate // FACET_SAMPLE)
                # Runs of SAMPLE_RUN consecutive ids: their rows share table pages (measured at
                # 100k: 2,000 ids in runs of 32 read in ~10 ms, 2,000 scattered ids in ~70 ms).
                sampled = f"((search_fts.rowid & {ROWID_ID_MASK}) / {SAMPLE_RUN}) %% {step} = 0"
                if scope_params:  # the scopes are the table's: every match joined
                    cursor.execute(f"SELECT COUNT(*), SUM({sampled}) FROM {self.FROM} WHERE {where}", params)  # noqa: S608
                    total, in_sample = cursor.fetchone()
                    sample_where, sample_params = f"{where} AND {sampled}", params
                else:  # the full-text index alone counts the matches and picks the sample, no join
                    cursor.execute(
                        f"SELECT COUNT(*), json_group_array(CASE WHEN {sampled} THEN search_fts.rowid & {ROWID_ID_MASK}"  # noqa: S608
                        f" END) FROM search_fts WHERE {match_where}", match_params)
                    total, ids = cursor.fetchone()
                    ids = [pk for pk in json.loads(ids) if pk is not None]
                    in_sample = len(ids)
                    sample_where, sample_params = "e.id IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]
                if total > FACET_SAMPLE and in_sample:
                    cursor.execute(f"SELECT {_CUBE_COLUMNS}, COUNT(*) FROM {self.FROM if scope_params else 'search_searchentry e'}"  # noqa: S608
                                   f" WHERE {sample_where} GROUP BY {_CUBE_COLUMNS}", sample_params)
                    return [_cube_row(row) for row in cursor.fetchall()], total / in_sample
            cursor.execute(f"SELECT {_CUBE_COLUMNS}, COUNT(*) FROM {self.FROM} WHERE {where}"  # noqa: S608
                           f" GROUP BY {_CUBE_COLUMNS}", params)
            return [_cube_row(row) for row in cursor.fetchall()], None

    @staticmethod
    def estimated_matches(parsed) -> int:
        """At most about how many records match: the rarest query stem's record count in the
        vocabulary (its word forms' counts added: a record with two forms counts twice)."""
        counts = dict(SearchTerm.objects.filter(stem__in=parsed.stems).values("stem").annotate(n=Sum("frequency"))
                      .values_list("stem", "n"))
        return min((counts.get(stem, 0) for stem in parsed.stems), default=0)

    @staticmethod
    def ranked_page(parsed, where: str, params: list, limit: int, offset: int) -> tuple[str, list]:
        """The ids (and tiers) of one page by relevance (see ``EXACT_RANKING``)."""
        text, title = parsed.fts5_match(), parsed.fts5_match(column="title")
        matches = f"e.id IN (SELECT rowid & {ROWID_ID_MASK} FROM search_fts WHERE search_fts MATCH %s)"  # noqa: S608
        in_title = matches
        if EXACT_RANKING:
            sql = (f"SELECT e.id, CASE WHEN {in_title} THEN 1 ELSE 0 END AS tier FROM search_searchentry e"  # noqa: S608
                   f" WHERE {matches} AND {where} ORDER BY tier DESC, e.popularity DESC, e.id DESC LIMIT %s OFFSET %s")
            return sql, [title, text] + params + [limit, offset]
        # Each tier's page straight from FTS5 (see ``fts_rowid``): walk the tier's matches by
        # rowid, newest first, until the page is full; the bucket of the page's last match is
        # then the lowest that can hold a page row, so every match from that bucket up (the page
        # and the rest of that one bucket) is sorted by the exact order.
        wanted = limit + offset
        tier_sql = (f"SELECT * FROM (SELECT e.id, {{tier}} AS tier, e.popularity FROM {_Sqlite.FROM}"  # noqa: S608
                    " WHERE search_fts MATCH %s AND {where} AND search_fts.rowid >= ("
                    f"  SELECT coalesce(min(r), 0) & {~ROWID_ID_MASK} FROM (SELECT search_fts.rowid AS r"
                    f"  FROM {_Sqlite.FROM} WHERE search_fts MATCH %s AND {{where}}"
                    "   ORDER BY search_fts.rowid DESC LIMIT %s))"
                    " ORDER BY e.popularity DESC, e.id DESC LIMIT %s)")
        rest = f"({text}) NOT ({title})"
        sql = ("SELECT c.id, c.tier FROM ("  # noqa: S608
               + tier_sql.format(tier=1, where=where) + " UNION ALL " + tier_sql.format(tier=0, where=where)
               + ") c ORDER BY c.tier DESC, c.popularity DESC, c.id DESC LIMIT %s OFFSET %s")
        return sql, ([title] + params + [title] + params + [wanted, wanted]
                     + [rest] + params + [rest] + params + [wanted, wanted] + [limit, offset])

    def similar_terms(self, word: str) -> list[tuple[str, int]]:
        trigrams = {word[i:i + 3] for i in range(len(word) - 2)}
        if not trigrams:
            return []
        expression = " OR ".join(f'"{t}"' for t in sorted(trigrams))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.term, s.frequency FROM search_term_trigram t JOIN search_searchterm s ON s.id = t.rowid"
                " WHERE search_term_trigram MATCH %s ORDER BY t.rank LIMIT 50", [expression])
            return cursor.fetchall()


def _with_snippets(rows, stems: set[str]) -> list:
    rows = list(rows)
    for row in rows:
        row.snippet = analysis.highlight(row.snippet_source, stems)
    return rows
