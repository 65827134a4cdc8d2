"""Find fake-review signals (near-duplicate texts across accounts, rating bursts from young
accounts, reviews without purchases in a pattern) and raise moderation queue items with their evidence. Idempotent; run nightly."""

from django.core.management.base import BaseCommand

from reviews.fake_signals import detect_fake_reviews


class Command(BaseCommand):
    help = "Raise moderation queue items for fake-review signals (nothing is hidden or deleted)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="look at every review, not the last 90 days")
        parser.add_argument("--dry-run", action="store_true", help="report what would be raised, raise nothing")

    def handle(self, *args, all: bool, dry_run: bool, **options):  # noqa: A002  (the option's name)
        report = detect_fake_reviews(since=False if all else None, dry_run=dry_run)
        for line in report.details:
            self.stdout.write(line)
        self.stdout.write(f"reviews: {report.checked} checked; near-duplicate pairs: {report.duplicate_pairs}; "
                          f"bursts: {report.bursts}; without purchases: {report.unbought_patterns}; "
                          f"queue items raised: {report.raised}")
