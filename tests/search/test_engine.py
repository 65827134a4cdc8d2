"""The search behaviour every engine must have (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest

from search import rebuild
from search.engines.base import Filters, SearchRequest
from search.records import PRODUCT, QUESTION, REVIEW

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["db", "es"])
def engine(request, db):
    """Every test here runs on the database engine and, when ELASTICSEARCH_URL points at a
    live cluster, on the Elasticsearch engine too (the contract both must keep)."""
    import os
    import uuid

    from search.engines import get_engine

    if request.param == "db":
        yield get_engine("db")
        return
    url = os.environ.get("ELASTICSEARCH_URL", "")
    if not url:
        pytest.skip("ELASTICSEARCH_URL is not set: the Elasticsearch contract run needs a live cluster")
    from search.engines.elastic import ElasticsearchEngine

    engine = ElasticsearchEngine(url, alias=f"test-{uuid.uuid4().hex[:12]}")
    yield engine
    engine.client.indices.delete(index=f"{engine.alias}-*", ignore_unavailable=True)


def titles(engine, query, **kwargs):
    return [h.title for h in engine.search(SearchRequest(query=query, **kwargs)).hits]


def kinds_found(engine, query):
    return {h.kind for h in engine.search(SearchRequest(query=query)).hits}


@pytest.mark.parametrize("query", ["ноутбук", "ноутбуки", "ноутбуков", "НОУТБУКА"])
def test_russian_word_forms_find_each_other(engine, corpus, query):
    assert {"ASUS ROG Strix G16", "MSI Katana 15"} <= set(titles(engine, query))


@pytest.mark.parametrize("query", ["laptop", "laptops", "Laptop"])
def test_english_word_forms_find_each_other(engine, corpus, query):
    assert titles(engine, query) == ["Lenovo ThinkPad E14"]


@pytest.mark.parametrize("query", ["черный", "чёрный", "ЧЁРНЫЙ"])
def test_yo_and_ye_are_the_same_letter(engine, corpus, query):
    found = engine.search(SearchRequest(query=query)).hits
    assert {h.key for h in found} >= {f"product:{corpus['bosch'].pk}", f"review:{corpus['reviews']['black'].pk}"}


def test_reviews_questions_and_answers_are_found(engine, corpus):
    assert kinds_found(engine, "батарея") == {REVIEW, QUESTION}
    # The answer's words find its question.
    hits = engine.search(SearchRequest(query="блоком питания")).hits
    assert [h.key for h in hits] == [f"question:{corpus['question'].pk}"]


def test_matched_words_are_highlighted_and_everything_else_escaped(engine, corpus):
    hit = engine.search(SearchRequest(query="вентилятор")).hits[0]
    assert "<mark>вентилятор</mark>" in hit.snippet
    # The text's "<script>" is shown escaped (SQLite) or left out as markup (PostgreSQL's parser).
    assert "<script" not in hit.snippet and "alert(1)" not in hit.title_html


def test_a_phrase_matches_words_next_to_each_other(engine, corpus):
    assert titles(engine, '"экран яркий"') == ["Отличный ноутбук"]
    assert titles(engine, '"яркий экран"') == []


def test_facets_count_exactly_and_combine(engine, corpus):
    results = engine.search(SearchRequest(query="ноутбук"))
    kinds = {v.value: v.count for v in results.facets["kinds"]}
    # Two products say «ноутбук» in their summary, the ThinkPad is in the category «Ноутбуки».
    assert kinds == {PRODUCT: 3, REVIEW: 1}
    assert results.total == 4
    only_products = engine.search(SearchRequest(query="ноутбук", filters=Filters(kinds=(PRODUCT,))))
    assert only_products.total == 3
    # The kind facet still shows the other kinds' counts while products are chosen.
    assert {v.value: v.count for v in only_products.facets["kinds"]} == {PRODUCT: 3, REVIEW: 1}
    asus_only = engine.search(SearchRequest(query="ноутбук", filters=Filters(kinds=(PRODUCT,), brands=("ASUS",))))
    assert [h.title for h in asus_only.hits] == ["ASUS ROG Strix G16"]


def test_rating_stock_and_verified_filters(engine, corpus):
    assert titles(engine, "корпус", filters=Filters(in_stock=True)) == []
    # The review has 4 stars, and so has its product (its only review).
    assert set(titles(engine, "корпус", filters=Filters(stars_min=4))) == {"Тихий", "Bosch Serie 4 KGN39"}
    assert titles(engine, "корпус", filters=Filters(stars_min=5)) == []
    assert titles(engine, "вентилятор", filters=Filters(stars_min=3)) == []


def test_sort_by_date_and_rating(engine, corpus):
    by_rating = engine.search(SearchRequest(query="ноутбук", sort="rating", filters=Filters(kinds=(REVIEW, PRODUCT))))
    ratings = [h.rating for h in by_rating.hits if h.rating is not None]
    assert ratings == sorted(ratings, reverse=True)


def test_scoped_to_one_product(engine, corpus):
    found = engine.search(SearchRequest(query="батарея", filters=Filters(product_id=corpus["asus"].pk)))
    assert found.total == 2
    assert engine.search(SearchRequest(query="батарея", filters=Filters(product_id=corpus["msi"].pk))).total == 0


def test_misspelled_words_are_corrected_from_the_vocabulary(engine, corpus):
    assert engine.correct(["нотбук", "холодилник", "ноутбук"]) == {"нотбук": "ноутбук", "холодилник": "холодильник"}


def test_autocomplete_finds_products_categories_and_the_wrong_layout(engine, corpus):
    labels = [s.label for s in engine.suggest("ноу")]
    assert "Ноутбуки" in labels
    assert "Lenovo ThinkPad E14" in [s.label for s in engine.suggest("lenovo")]
    assert "Bosch Serie 4 KGN39" in [s.label for s in engine.suggest("bos")]
    assert "Холодильники" in [s.label for s in engine.suggest("[jkjl")]  # «холод» typed in the Latin layout


def test_the_check_agrees_after_a_rebuild_and_finds_a_stale_record(engine, corpus):
    assert not rebuild.check(engine, rebuild.ALL_KINDS).differs
    from search.models import SearchEntry

    SearchEntry.objects.filter(key=f"product:{corpus['asus'].pk}").update(fingerprint="x")
    report = rebuild.check(engine, rebuild.ALL_KINDS)
    assert report.stale[PRODUCT] == [f"product:{corpus['asus'].pk}"]


def test_relevance_puts_title_matches_first_then_the_more_popular(engine, corpus):
    """«ноутбук» is in one review's title and in three products' texts: the title match leads,
    then the products by popularity (their number of reviews), newest first among equals."""
    if engine.name != "db":
        pytest.skip("the tiered ranking belongs to the database engine (Elasticsearch scores with BM25)")
    hits = engine.search(SearchRequest(query="ноутбук")).hits
    assert hits[0].title == "Отличный ноутбук"
    from search.models import SearchEntry

    rest = SearchEntry.objects.filter(key__in=[h.key for h in hits[1:]]).values_list("key", "popularity", "id")
    order = {key: (-popularity, -pk) for key, popularity, pk in rest}
    assert [h.key for h in hits[1:]] == sorted(order, key=order.__getitem__)


def test_the_fast_ranking_equals_ranking_every_match(engine, corpus, monkeypatch):
    """Each tier's page comes from the (popularity, id) index; it must be the very order that
    sorting every match gives (what bench/search.py measures as top-20 overlap at scale)."""
    from search.engines import database

    if engine.name != "db":
        pytest.skip("the tiered ranking belongs to the database engine")
    for query in ("ноутбук", "батарея", "экран яркий", "чёрный", "корпус"):
        for page_size in (1, 2, 20):
            fast = [h.key for h in engine.search(SearchRequest(query=query, page_size=page_size)).hits]
            monkeypatch.setattr(database, "EXACT_RANKING", True)
            exact = [h.key for h in engine.search(SearchRequest(query=query, page_size=page_size)).hits]
            monkeypatch.setattr(database, "EXACT_RANKING", False)
            assert fast == exact, (query, page_size)
    # Page 2 continues page 1 across the tiers.
    one = engine.search(SearchRequest(query="ноутбук", page_size=2)).hits
    two = engine.search(SearchRequest(query="ноутбук", page_size=2, page=2)).hits
    every = engine.search(SearchRequest(query="ноутбук", page_size=4)).hits
    assert [h.key for h in one + two] == [h.key for h in every]


def test_a_very_common_word_is_counted_from_a_sample_marked_approximate(engine, corpus, monkeypatch):
    from search.engines import database

    if engine.name != "db":
        pytest.skip("sampling belongs to the database engine")
    monkeypatch.setattr(database, "FACET_SAMPLE", 2)
    results = engine.search(SearchRequest(query="ноутбук"))
    if engine.dialect.SAMPLE:  # SQLite: the first 2 matches, scaled by the 4 matches FTS5 counts
        assert results.approximate and results.total == 4
    else:  # PostgreSQL: random table pages; on a table this small that is every page, so exact
        assert not results.approximate and results.total == 4
    assert len(results.hits) == 4
    monkeypatch.setattr(database, "FACET_SAMPLE", 2000)
    exact = engine.search(SearchRequest(query="ноутбук"))
    assert not exact.approximate and exact.total == 4


def _vacuum_cleaner_records(count: int, popularity) -> list:
    from search.records import SearchRecord

    return [SearchRecord(key=f"review:{9000 + n}", kind=PRODUCT if n % 2 else REVIEW, object_id=9000 + n,
                         published=True, title="Пылесос" if n % 7 == 0 else f"Отзыв {n}",
                         body="Пылесос тянет хорошо.", url=f"/r/{n}/", rating=4.0, popularity=popularity(n))
            for n in range(count)]


def test_the_fast_ranking_sorts_close_popularities_and_negative_ones_exactly(engine, monkeypatch):
    """On SQLite FTS5 walks the matches by a bucket of popularity (values closer than one part
    in 500,000 share one); the page must still be the exact order, across buckets, through
    negative scores (a question voted down), zero and ties."""
    from search.engines import database

    if engine.name != "db":
        pytest.skip("the tiered ranking belongs to the database engine")
    scores = [1.0, 1.0 + 1e-9, 1.0 + 2e-9, 1.0 - 1e-9, 0.0, -0.0, -1.0, -1.5, -1.0 - 1e-9, 200.0, 1e-300,
              3.0, 3.0, 0.5, 0.5000001]
    engine.index(_vacuum_cleaner_records(45, lambda n: scores[(n * 7) % len(scores)]))
    for page_size in (1, 2, 3, 5, 20):
        for page in (1, 2, 3):
            request = SearchRequest(query="пылесос", page_size=page_size, page=page)
            fast = [h.key for h in engine.search(request).hits]
            monkeypatch.setattr(database, "EXACT_RANKING", True)
            exact = [h.key for h in engine.search(request).hits]
            monkeypatch.setattr(database, "EXACT_RANKING", False)
            assert fast == exact, (page_size, page)


def test_a_common_word_s_facets_come_from_a_sample_spread_over_the_ids(engine, monkeypatch):
    """Not the first matches (on SQLite those come by popularity, which here goes with the
    kind): every 15th id of 300 matches, half products and half reviews, gives both halves."""
    from search.engines import database

    if engine.name != "db" or not engine.dialect.SAMPLE:
        pytest.skip("the id sample belongs to the SQLite engine")
    engine.index(_vacuum_cleaner_records(300, lambda n: 100.0 + n if n % 2 else n / 1000))
    monkeypatch.setattr(database, "FACET_SAMPLE", 20)
    monkeypatch.setattr(database, "SAMPLE_RUN", 1)
    results = engine.search(SearchRequest(query="пылесос"))
    assert results.approximate and results.total == 300
    assert {v.value: v.count for v in results.facets["kinds"]} == {PRODUCT: 150, REVIEW: 150}
    monkeypatch.setattr(database, "FACET_SAMPLE", 2000)
    exact = engine.search(SearchRequest(query="пылесос"))
    assert not exact.approximate and exact.total == 300
    assert {v.value: v.count for v in exact.facets["kinds"]} == {PRODUCT: 150, REVIEW: 150}
