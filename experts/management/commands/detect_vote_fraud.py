"""Nightly: reverse serial and mutual voting, logging each case with its evidence, and raise the
reviews written around a vote ring in the moderation queue (idempotent)."""

from django.core.management.base import BaseCommand

from experts.fraud import detect_vote_fraud


class Command(BaseCommand):
    help = "Find serial and mutual voting and reverse it (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="scan all history, not just the recent windows")
        parser.add_argument("--dry-run", action="store_true", help="report what would be reversed")

    def handle(self, *args, all: bool, dry_run: bool, **options):  # noqa: A002
        report = detect_vote_fraud(everything=all, dry_run=dry_run)
        for case in report.cases:
            self.stdout.write(f"{case.get_kind_display()}: voter {case.voter_id} → author {case.author_id}, "
                              f"{case.votes_reversed} votes" + ("" if dry_run else f" (case #{case.pk})"))
        verb = "would reverse" if dry_run else "reversed"
        self.stdout.write(f"{len(report.cases)} cases, {verb} {report.votes_reversed} votes "
                          f"({report.points_reversed} points); reviews after a vote ring raised: {report.reviews_raised}")
