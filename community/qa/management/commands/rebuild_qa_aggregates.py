"""Recompute Q&A counters (answers per question, votes, answer scores) from the rows."""

from django.core.management.base import BaseCommand

from community.qa.aggregates import rebuild


class Command(BaseCommand):
    help = "Recompute the stored Q&A counters from votes and published answers; report what differed."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only report rows whose counters differ")

    def handle(self, *args, dry_run: bool = False, **options):
        report = rebuild(dry_run=dry_run)
        verb = "would fix" if dry_run else "fixed"
        self.stdout.write(
            f"{report.questions} questions, {report.answers} answers checked; "
            f"{verb} {report.questions_fixed} questions and {report.answers_fixed} answers."
        )
