"""SQLite: the FTS5 rowid carries a bucket of ``popularity`` above the entry's id, so that a
common word's top matches come from FTS5 in ranking order (see
``search.engines.database.fts_rowid``). Rewrites ``search_fts`` with the new rowids (the
stemmed text is copied, not recomputed); backwards, the rowids become the ids again.
PostgreSQL: nothing.
"""

import struct

from django.db import migrations

ID_MASK = (1 << 32) - 1


def _fts_rowid(popularity, entry_id):
    # A frozen copy of search.engines.database.fts_rowid as of this migration.
    (bits,) = struct.unpack(">Q", struct.pack(">d", float(popularity or 0.0) + 0.0))
    ordered = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | 1 << 63
    return (ordered >> 33) << 32 | entry_id


def _rewrite(new_rowid_sql, join_sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        schema_editor.connection.connection.create_function("search_fts_rowid", 2, _fts_rowid, deterministic=True)
        for statement in (
            "CREATE VIRTUAL TABLE search_fts_new USING fts5(title, body, tokenize='unicode61 remove_diacritics 0')",
            f"INSERT INTO search_fts_new(rowid, title, body) SELECT {new_rowid_sql}, f.title, f.body"  # noqa: S608
            f" FROM search_fts f JOIN search_searchentry e ON {join_sql}",
            "DROP TABLE search_fts",
            "ALTER TABLE search_fts_new RENAME TO search_fts",
        ):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [("search", "0003_ranking_by_title_and_popularity")]

    operations = [
        migrations.RunPython(
            _rewrite("search_fts_rowid(e.popularity, e.id)", "e.id = f.rowid"),
            _rewrite("e.id", f"e.id = (f.rowid & {ID_MASK})"),
        ),
    ]
