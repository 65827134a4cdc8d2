"""The Elasticsearch engine's index, documents and queries, as elasticsearch-dsl builds them.

No cluster is needed: these assert the JSON the engine would send. The behaviour suite
(tests/search/test_engine.py) runs against a live cluster when ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from search.engines.base import Filters, SearchRequest
from search.engines.elastic import ElasticsearchEngine, SearchDocument
from search.records import SearchRecord


@pytest.fixture
def engine():
    return ElasticsearchEngine("http://127.0.0.1:9", alias="community-search-records")


def test_the_index_folds_yo_lowercases_drops_stop_words_and_stems_russian_and_english(engine):
    definition = engine.index_definition("community-search-records-1").to_dict()
    analysis = definition["settings"]["analysis"]
    assert analysis["char_filter"]["yo_to_ye"] == {"type": "mapping", "mappings": ["ё => е", "Ё => Е"]}
    assert analysis["analyzer"]["community_text"]["filter"] == [
        "lowercase", "russian_stop", "english_stop", "russian_stemmer", "english_stemmer"]
    assert analysis["filter"]["russian_stemmer"] == {"type": "stemmer", "language": "russian"}
    assert analysis["filter"]["english_stop"] == {"type": "stop", "stopwords": "_english_"}
    fields = definition["mappings"]["properties"]
    assert fields["title"]["analyzer"] == "community_text"
    assert fields["title"]["fields"]["sayt"]["type"] == "search_as_you_type"
    assert fields["body"]["fields"]["exact"]["analyzer"] == "community_folded"
    assert fields["brand"]["type"] == "keyword" and fields["url"]["index"] is False


def test_a_record_becomes_a_document_keyed_by_the_record(engine):
    record = SearchRecord(key="product:7", kind="product", object_id=7, published=True, title="MSI Katana 15",
                          body="Игровой ноутбук", url="/p/7/", brand="MSI", price=Decimal("99990.00"),
                          in_stock=True, rating=4.5, review_count=2, date=datetime(2026, 1, 2, tzinfo=UTC))
    action = engine.bulk_actions([record], "idx")[0]
    assert action["_id"] == "product:7" and action["_index"] == "idx"
    assert action["_source"]["price"] == 99990.0 and action["_source"]["stars"] == 4
    assert action["_source"]["price_band"] == 3 and action["_source"]["fingerprint"] == record.fingerprint()
    assert SearchDocument.from_record(record).meta.id == "product:7"


def test_a_query_is_fuzzy_phrases_are_phrases_and_chosen_facets_go_to_post_filter(engine):
    body = engine.build_search(SearchRequest(
        query='нотбук "экран яркий"', filters=Filters(kinds=("product",), brands=("ASUS",), product_id=3),
    )).to_dict()
    must = body["query"]["bool"]["must"][0]["bool"]["must"]
    assert must[0]["multi_match"] == {"query": "нотбук", "fields": ["title^3", "body"], "operator": "and",
                                      "fuzziness": "AUTO", "prefix_length": 1}
    assert must[1]["multi_match"]["type"] == "phrase" and must[1]["multi_match"]["query"] == "экран яркий"
    assert body["query"]["bool"]["filter"] == [{"term": {"product_id": 3}}]
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"kind": ["product"]}}, {"terms": {"brand": ["ASUS"]}}]}}
    # Each facet is counted with every other chosen facet: the brand facet ignores the brand.
    assert body["aggs"]["brands"]["filter"] == {"bool": {"filter": [{"terms": {"kind": ["product"]}}]}}
    assert body["aggs"]["kinds"]["filter"] == {"bool": {"filter": [{"terms": {"brand": ["ASUS"]}}]}}
    assert body["highlight"]["pre_tags"] == ["\x02"] and body["highlight"]["fields"]["body"] == {}
    assert body["suggest"]["did_you_mean"]["phrase"]["field"] == "body.exact"
    assert body["track_total_hits"] is True and (body["from"], body["size"]) == (0, 20)


def test_sorts_and_pages(engine):
    body = engine.build_search(SearchRequest(query="ноутбук", sort="rating", page=3)).to_dict()
    assert body["sort"][0] == {"rating": {"order": "desc", "missing": "_last"}}
    assert (body["from"], body["size"]) == (40, 20)
    browse = engine.build_search(SearchRequest(query="", filters=Filters(category_path="00010002"))).to_dict()
    assert browse["query"]["bool"]["must"] == [{"match_all": {}}]
    assert browse["query"]["bool"]["filter"] == [{"prefix": {"category_path": "00010002"}}]
    assert "highlight" not in browse


def test_facet_counts_are_read_from_the_aggregations(engine):
    aggregations = {
        "kinds": {"values": {"buckets": [{"key": "product", "doc_count": 2}, {"key": "review", "doc_count": 1}]}},
        "categories": {"values": {"buckets": [{"key": 5, "doc_count": 3,
                                               "title": {"buckets": [{"key": "Ноутбуки", "doc_count": 3}]}}]}},
        "brands": {"values": {"buckets": [{"key": "ASUS", "doc_count": 1}]}},
        "stars_min": {"values": {"buckets": [{"key": 5, "doc_count": 1}, {"key": 3, "doc_count": 2}]}},
        "price_bands": {"values": {"buckets": [{"key": 3, "doc_count": 2}]}},
        "in_stock": {"values": {"doc_count": 2}},
        "accepted": {"values": {"doc_count": 0}},
        "verified": {"values": {"doc_count": 1}},
    }
    facets = engine.parse_facets(aggregations, Filters(kinds=("product",)))
    assert [(v.value, v.count, v.selected) for v in facets["kinds"]] == [("product", 2, True), ("review", 1, False)]
    assert [(v.label, v.count) for v in facets["categories"]] == [("Ноутбуки", 3)]
    assert [(v.value, v.count) for v in facets["stars_min"]] == [(4, 1), (3, 3), (2, 3), (1, 3)]
    assert facets["accepted"] == [] and facets["verified"][0].count == 1


def test_autocomplete_did_you_mean_and_mentions_queries(engine):
    suggest = engine.build_suggest("lenovo thi", 8).to_dict()
    match = suggest["query"]["bool"]["must"][0]["multi_match"]
    assert match["type"] == "bool_prefix" and "title.sayt._2gram" in match["fields"]
    assert suggest["query"]["bool"]["filter"] == [{"term": {"kind": "product"}}]
    correct = engine.build_correct(["нотбук"]).to_dict()
    assert correct["suggest"]["w0"] == {"text": "нотбук", "term": {
        "field": "body.exact", "suggest_mode": "missing", "size": 1, "min_word_length": 3}}
    mentions = engine.build_significant_terms(7, "00010002", 8).to_dict()
    significant = mentions["aggs"]["sample"]["aggs"]["mentions"]["significant_text"]
    assert significant["field"] == "body.exact" and significant["background_filter"]["bool"]["filter"][1] == {
        "term": {"category_path": "00010002"}}
