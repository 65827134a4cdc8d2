"""Relevance ranking that stays fast for common words (see search.engines.database.EXACT_RANKING).

Results are ordered by tier (every query word in the title first), then by the stored static
score ``popularity``, then by id: an index on (popularity, id) gives each tier's first page
without scoring every match. On PostgreSQL the title tier is tested against a title-only
``tsvector`` with its own GIN index, so the planner's statistics know how common a word is in
titles (the weights of the combined vector are invisible to them). SQLite's FTS5 table already
has a title column.
"""

from django.db import migrations, models

POSTGRES_FORWARD = [
    "ALTER TABLE search_searchentry ADD COLUMN title_vector tsvector GENERATED ALWAYS AS ("
    " to_tsvector('russian'::regconfig, coalesce(title, ''))) STORED",
    "CREATE INDEX search_entry_title_vector ON search_searchentry USING gin (title_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_title_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS title_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [("search", "0002_full_text")]

    operations = [
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(fields=["-popularity", "-id"], name="search_entry_popularity"),
        ),
        migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD)),
    ]
