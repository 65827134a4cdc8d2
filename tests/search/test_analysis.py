"""The text analysis behind "did you mean": the edit distance and what it accepts."""

from __future__ import annotations

import random

import pytest

from search import analysis


def reference_distance(a: str, b: str) -> int:
    """The textbook optimal-string-alignment table, cell by cell."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        table[i][0] = i
    for j in range(len(b) + 1):
        table[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1,
                              table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[-1][-1]


@pytest.mark.parametrize(("typed", "known", "distance"), [
    ("экарн", "экран", 1),  # two neighbouring letters swapped
    ("нотбук", "ноутбук", 1),  # a letter missing
    ("клавиатрура", "клавиатура", 1),  # a letter too many
    ("батария", "батарея", 1),  # a letter wrong
    ("доствка", "доставка", 1),
    ("холодилник", "холодильник", 1),
    ("ноутбук", "ноутбук", 0),
    ("", "экран", 5),
    ("экран", "", 5),
    ("ca", "abc", 3),  # OSA, not Damerau–Levenshtein: a swapped pair is not edited again
])
def test_edit_distance_of_typical_typos(typed, known, distance):
    assert analysis.edit_distance(typed, known) == distance


def test_edit_distance_agrees_with_the_table_on_random_words():
    rng = random.Random(20261130)
    for _ in range(20_000):
        a = "".join(rng.choice("абвгд") for _ in range(rng.randint(0, 12)))
        b = "".join(rng.choice("абвгд") for _ in range(rng.randint(0, 12)))
        assert analysis.edit_distance(a, b) == reference_distance(a, b), (a, b)


def test_long_words_are_measured_whole():
    # Python's integers are unbounded: words past 64 letters need no block splitting.
    long = "шумоподавление" * 6
    assert analysis.edit_distance(long, long[:40] + long[41] + long[40] + long[42:]) == 1
    assert analysis.edit_distance(long, long + "ы") == 1


@pytest.mark.django_db
def test_postgresql_reads_the_nearest_known_words_from_a_gist_index():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index of the vocabulary is PostgreSQL's; SQLite uses an FTS5 trigram table")
    from search.engines import get_engine
    from search.models import SearchTerm

    SearchTerm.objects.bulk_create([SearchTerm(term=t, stem=t, frequency=f) for t, f in
                                    [("батарея", 50), ("батарейка", 5), ("барабан", 9), ("экран", 70)]])
    with connection.cursor() as cursor:
        cursor.execute("SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                       " JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'search_term_trgm_gist'")
        assert cursor.fetchone() == ("gist",)
        cursor.execute("SET LOCAL enable_seqscan = off")  # a four-row table: show the plan the index allows
        cursor.execute("EXPLAIN SELECT term FROM search_searchterm WHERE term %% %s ORDER BY term <-> %s LIMIT 10",
                       ["батария", "батария"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_term_trgm_gist" in plan
    assert get_engine("db").correct(["батария"]) == {"батария": "батарея"}
