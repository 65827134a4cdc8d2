"""Import the shop's purchase feed from a CSV or JSON file (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from community.catalog import feed


class Command(BaseCommand):
    help = "Import purchases (and stock changes) from FILE.csv or FILE.json; bad rows are listed."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            content = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise CommandError(f"{file}: not UTF-8 text ({error})") from None
        try:
            rows = feed.parse_feed(content, kind=file.suffix.lower().lstrip("."))
        except feed.FeedError as error:
            raise CommandError(f"{file}: {error}") from None
        report = feed.feed_import(purchases=rows["purchases"], stock=rows["stock"])
        for error in report.errors:
            self.stderr.write(f"{file}:{error.line}: {error.message}")
        self.stdout.write(
            f"imported {report.imported}, already present {report.already_present}, "
            f"stock updated {report.stock_updated}, bad rows {len(report.errors)}"
        )
        if report.errors:
            # The good rows are in; a non-zero exit tells the shop's job to look at the bad ones.
            raise CommandError(f"{len(report.errors)} bad row(s) were not imported")
