"""Fill the SLA clock (first answer, resolution) of tickets opened before it existed. Idempotent."""

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from chat.support.sla_backfill import sla_backfill, tickets_missing_sla


class Command(BaseCommand):
    help = "Derive missing first-answer and resolution times of support tickets from their history."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report what would be filled, write nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, dry_run: bool, no_progress: bool, **options):
        total = tickets_missing_sla().count()
        with tqdm(total=total, unit=" tickets", file=sys.stderr, disable=no_progress or total < 1000,
                  desc="tickets") as bar:
            report = sla_backfill(dry_run=dry_run, progress=bar.update)
        verb = "would fill" if dry_run else "filled"
        self.stdout.write(f"tickets: {report.checked} checked; {verb} {report.first_answers} first answers and "
                          f"{report.resolutions} resolutions")
