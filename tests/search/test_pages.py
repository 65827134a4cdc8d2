"""The search page and the autocomplete endpoint, as a visitor meets them."""

from __future__ import annotations

import re

import pytest

from tests.html_checks import assert_healthy_page, parse_strict

pytestmark = pytest.mark.django_db


def page(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_results_show_kind_highlighted_title_snippet_rating_category_and_link(client, corpus):
    html = page(client, q="батарея")
    review = corpus["reviews"]["battery"]
    assert f'href="/reviews/{review.pk}/"' in html
    assert "<mark>Батарея</mark> держит" in html
    assert "Отзыв" in html and "Вопрос" in html and "Игровые ноутбуки" in html
    assert "★ 5,0" in html or "★ 5.0" in html


def test_the_page_is_valid_with_one_h1_no_skipped_levels_and_distinct_search_labels(client, corpus):
    html = page(client, q="ноутбук")
    assert_healthy_page(html)
    levels = [int(h[1]) for h in re.findall(r"<(h[1-6])[ >]", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    document, _errors = parse_strict(html)
    labels = [e.get("aria-label") for e in document.iter() if e.get("role") == "search"]
    assert len(labels) == 2 and all(labels) and len(set(labels)) == 2


def test_result_pages_are_noindex_and_self_canonical(client, corpus, settings):
    html = page(client, q="ноутбук", kind="product", sort="date")
    assert '<meta name="robots" content="noindex, follow">' in html
    assert f'<link rel="canonical" href="{settings.SITE_URL}/search/?q=%D0%BD%D0%BE%D1%83%D1%82%D0%B1%D1%83%D0%BA&amp;kind=product&amp;sort=date">' in html


def test_facets_show_exact_counts_and_filter(client, corpus):
    html = page(client, q="ноутбук", kind="product")
    assert re.search(r'name="kind" value="product" checked> Товар <span class="facet-count">3</span>', html)
    assert re.search(r'name="kind" value="review"> Отзыв <span class="facet-count">1</span>', html)
    assert "Отличный ноутбук" not in html  # the review is filtered out


def test_a_wrong_keyboard_layout_is_recognised(client, corpus):
    html = page(client, q="yjen,er")
    assert "Показаны результаты по запросу «ноутбук»" in html
    assert "MSI Katana 15" in html


def test_a_misspelling_offers_the_known_word(client, corpus):
    html = page(client, q="нотбук")
    assert "Возможно, вы искали:" in html
    assert '<a href="/search/?q=%D0%BD%D0%BE%D1%83%D1%82%D0%B1%D1%83%D0%BA">ноутбук</a>' in html
    assert "MSI Katana 15" in html


@pytest.mark.parametrize("query", [
    "", "a", "я", "и в на", "the and", '"', '""', "AND", "*", "\\", 'ноутбук AND * \\ "',
    "'; DROP TABLE search_searchentry; --", "<script>alert('x')</script>", "<b>ноутбук</b>",
    "ноутбук OR", "-ноутбук", "ноутбук:*", "!!!", "%", "_", "\x00\x01", "ё" * 500, "ноутбук " * 60,
])
def test_bad_input_never_errors_and_is_never_echoed_unescaped(client, corpus, query):
    html = page(client, q=query)
    assert "<script>alert" not in html and "<b>ноутбук</b>" not in html
    assert_healthy_page(html)


def test_long_queries_are_cut_at_200_characters(client, corpus):
    html = page(client, q="ж" * 500)
    assert 'value="' + "ж" * 200 + '"' in html and "ж" * 201 not in html


def test_bad_filter_values_are_ignored(client, corpus):
    html = page(client, q="ноутбук", kind="<x>", category="abc", stars="9", price="99", page="-3", sort="evil")
    assert "MSI Katana 15" in html


def test_the_search_page_costs_a_fixed_number_of_queries(client, corpus, django_assert_num_queries):
    # Matches counted by facet value, the page of hits with highlights, the popular-query count,
    # after an estimate of the matches that chooses exact or sampled counts (PostgreSQL asks the
    # planner, SQLite reads the vocabulary's record counts); whatever the sort.
    with django_assert_num_queries(4):
        page(client, q="ноутбук")
    with django_assert_num_queries(4):
        page(client, q="ноутбук", kind="review", stars="4", sort="rating")


def test_signed_in_visitors_add_only_the_layouts_queries(client, corpus, shopper, django_assert_num_queries):
    client.force_login(shopper)
    page(client, q="ноутбук")

    # The same 4 search queries + the layout's one: the user with their profile (the session and
    # the permissions of Wagtail's userbar come from the shared cache once warm).
    with django_assert_num_queries(5):
        page(client, q="ноутбук")


def test_suggest_returns_products_categories_and_popular_queries(client, corpus):
    page(client, q="ноутбук")  # a search that found something becomes a popular query
    data = client.get("/search/suggest/", {"q": "ноу"}).json()
    kinds = {s["kind"] for s in data["suggestions"]}
    assert {"category", "query"} <= kinds
    assert client.get("/search/suggest/", {"q": "kat"}).json()["suggestions"][0] == {
        "kind": "product", "label": "MSI Katana 15", "url": corpus["msi"].url}
    assert client.get("/search/suggest/", {"q": "к"}).json()["suggestions"] == []


def test_the_header_box_is_a_plain_get_form_with_combobox_markup(client, corpus):
    html = client.get("/").content.decode()
    assert 'action="/search/" method="get" role="search"' in html
    assert 'aria-controls="site-search-listbox"' in html and 'role="listbox"' in html
    assert "search/combobox.js" in html and "onclick" not in html.lower()


def test_a_product_page_has_a_search_box_over_its_reviews_and_the_words_buyers_mention(client, corpus):
    from search import mentions, rebuild
    from search.engines import get_engine
    from tests.factories import UserFactory
    from tests.reviews.factories import published_review

    asus = corpus["asus"]
    for n in range(3):
        published_review(asus, author=UserFactory(username=f"buyer{n}", verified=True), rating=4,
                         text=f"Подсветка клавиатуры радует, отзыв номер {n}.")
    rebuild.rebuild(get_engine(), rebuild.ALL_KINDS)
    mentions.refresh([asus.pk])  # computed in the background (tests/search/test_mentions.py)
    html = client.get(asus.url).content.decode()
    assert_healthy_page(html)
    assert 'aria-label="Поиск по отзывам и вопросам об этом товаре"' in html
    assert f'<input type="hidden" name="product" value="{asus.pk}">' in html
    assert "Покупатели упоминают:" in html and "подсветка (3)" in html, html[html.find("product-search"):][:3000]
    found = page(client, q="подсветка", product=asus.pk, kind="review")
    assert found.count('class="search-hit ') == 3
    assert page(client, q="подсветка", product=corpus["msi"].pk).count('class="search-hit ') == 0
