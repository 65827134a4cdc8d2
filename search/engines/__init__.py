"""Search engines behind one interface (:class:`search.engines.base.SearchEngine`).

``get_engine()`` picks the Elasticsearch engine when ``ELASTICSEARCH_URL`` is set, the
database engine (PostgreSQL full-text search or SQLite FTS5) otherwise. Nothing else chooses.
"""

from __future__ import annotations

from django.conf import settings

from search.engines.base import SearchEngine


def get_engine(name: str | None = None) -> SearchEngine:
    """The configured engine, or the one named (``db`` / ``es``) by ``reindex --engine``."""
    name = name or ("es" if settings.ELASTICSEARCH_URL else "db")
    if name == "es":
        from search.engines.elastic import ElasticsearchEngine

        return ElasticsearchEngine(settings.ELASTICSEARCH_URL)
    from search.engines.database import DatabaseEngine

    return DatabaseEngine()
