"""PostgreSQL: the vocabulary's trigram index becomes GiST, so "did you mean" reads the nearest
known words in distance order from the index (``ORDER BY term <-> word LIMIT 10``) instead of
computing the similarity of every word (the planner seq-scanned the GIN-indexed table: ~5 ms
per misspelled word at a 3,000-word vocabulary, 0.3 ms with the GiST index).
SQLite: nothing (its vocabulary trigrams are an FTS5 table).
"""

from django.db import migrations


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)
    return run


FORWARD = [
    "DROP INDEX IF EXISTS search_term_trgm",
    "CREATE INDEX search_term_trgm_gist ON search_searchterm USING gist (term gist_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_term_trgm_gist",
    "CREATE INDEX search_term_trgm ON search_searchterm USING gin (term gin_trgm_ops)",
]


class Migration(migrations.Migration):

    dependencies = [("search", "0004_fts_rowid_by_popularity")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
