"""``manage.py reindex [--engine db|es] [--kind product|review|question …] [--check]``."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import mentions, rebuild
from search.engines import get_engine


class Command(BaseCommand):
    help = "Rebuild the search index from the database, or compare them with --check (exit 1 on a difference)."

    def add_arguments(self, parser):
        parser.add_argument("--engine", choices=["db", "es"], help="engine (default: the configured one)")
        parser.add_argument("--kind", action="append", choices=rebuild.ALL_KINDS,
                            help="only this kind (repeatable; default: every kind)")
        parser.add_argument("--check", action="store_true", help="only compare the index with the database")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, engine=None, kind=None, check=False, no_progress=False, **options):
        kinds = kind or rebuild.ALL_KINDS
        try:
            search_engine = get_engine(engine)
        except Exception as error:  # a missing cluster, bad URL: say so, no traceback
            raise CommandError(f"search engine unavailable: {error}") from error
        total = sum(rebuild.count(k) for k in kinds)
        bar = tqdm(total=total, unit=" records", file=sys.stderr, disable=no_progress,
                   desc="check" if check else "reindex")
        started = time.monotonic()
        try:
            if check:
                report = rebuild.check(search_engine, kinds, progress=bar.update)
            else:
                done = rebuild.rebuild(search_engine, kinds, progress=bar.update)
        finally:
            bar.close()
        elapsed = time.monotonic() - started
        if not check:
            summary = ", ".join(f"{k}: {n}" for k, n in done.items())
            self.stdout.write(self.style.SUCCESS(
                f"Indexed {sum(done.values())} records with the {search_engine.name} engine in {elapsed:.1f} s ({summary})."))
            if "review" in kinds:  # the words buyers mention are computed from the reviews
                self._refresh_mentions(no_progress)
            return
        for kind_name in kinds:
            self.stdout.write(
                f"{kind_name}: {len(report.missing[kind_name])} missing, {len(report.extra[kind_name])} extra, "
                f"{len(report.stale[kind_name])} out of date")
            for label, keys in (("missing", report.missing[kind_name]), ("extra", report.extra[kind_name]),
                                ("out of date", report.stale[kind_name])):
                if keys:
                    self.stdout.write(f"  {label}: {' '.join(keys[:20])}{' …' if len(keys) > 20 else ''}")
        if report.differs:
            self.stderr.write("The index differs from the database: run manage.py reindex.")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("The index matches the database."))

    def _refresh_mentions(self, no_progress: bool) -> None:
        from community.catalog.models import ProductPage

        bar = tqdm(total=ProductPage.objects.count(), unit=" products", file=sys.stderr, disable=no_progress,
                   desc="mentions")
        started = time.monotonic()
        try:
            done = mentions.refresh_all(progress=bar.update)
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"Computed the words buyers mention for {done} products in {time.monotonic() - started:.1f} s."))
