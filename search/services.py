"""Write paths of search outside the index: counting the queries people search for."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from search import analysis


def popular_query_record(*, text: str) -> None:
    """Count one search for ``text`` (normalised), for autocomplete; one statement, race-free."""
    normalized = " ".join(analysis.words(text))[:200]
    if len(normalized) < 2:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_popularquery (text, hits, last_searched) VALUES (%s, 1, %s)"
            " ON CONFLICT (text) DO UPDATE SET hits = search_popularquery.hits + 1,"
            " last_searched = excluded.last_searched",
            [normalized, timezone.now()],
        )
