"""Full-text structures for the database in use (PostgreSQL or SQLite); see search/models.py."""

from django.db import migrations

# PostgreSQL: the 'russian' configuration stems Cyrillic words with the Russian Snowball stemmer
# and Latin words with the English one (its asciiword mapping), and folds ё. Titles weigh A,
# texts B. The column is generated, so every write of a row keeps it right.
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    ALTER TABLE search_searchentry ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('russian'::regconfig, coalesce(brand, '') || ' ' || coalesce(body, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX search_entry_vector ON search_searchentry USING gin (vector)",
    "CREATE INDEX search_entry_autocomplete_trgm ON search_searchentry USING gin (autocomplete gin_trgm_ops)"
    " WHERE kind = 'product'",
    "CREATE INDEX search_term_trgm ON search_searchterm USING gin (term gin_trgm_ops)",
    "CREATE INDEX search_popular_text_pattern ON search_popularquery (text varchar_pattern_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_popular_text_pattern",
    "DROP INDEX IF EXISTS search_term_trgm",
    "DROP INDEX IF EXISTS search_entry_autocomplete_trgm",
    "DROP INDEX IF EXISTS search_entry_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS vector",
]

# SQLite: FTS5 over the stems that search.analysis computes (rowid = SearchEntry.id), and the
# vocabulary by trigrams for "did you mean", kept in step with search_searchterm by triggers.
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_term_trigram USING fts5(term, content='search_searchterm', content_rowid='id',"
    " tokenize='trigram')",
    """CREATE TRIGGER search_term_ai AFTER INSERT ON search_searchterm BEGIN
        INSERT INTO search_term_trigram(rowid, term) VALUES (new.id, new.term); END""",
    """CREATE TRIGGER search_term_ad AFTER DELETE ON search_searchterm BEGIN
        INSERT INTO search_term_trigram(search_term_trigram, rowid, term) VALUES ('delete', old.id, old.term); END""",
    """CREATE TRIGGER search_term_au AFTER UPDATE OF term ON search_searchterm BEGIN
        INSERT INTO search_term_trigram(search_term_trigram, rowid, term) VALUES ('delete', old.id, old.term);
        INSERT INTO search_term_trigram(rowid, term) VALUES (new.id, new.term); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_term_au",
    "DROP TRIGGER IF EXISTS search_term_ad",
    "DROP TRIGGER IF EXISTS search_term_ai",
    "DROP TABLE IF EXISTS search_term_trigram",
    "DROP TABLE IF EXISTS search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
