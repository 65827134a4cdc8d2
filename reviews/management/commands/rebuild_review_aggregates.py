"""Recompute the stored review aggregates from the rows and repair what differs."""

from django.core.management.base import BaseCommand, CommandError

from reviews.aggregates import review_aggregates_rebuild


class Command(BaseCommand):
    help = (
        "Recompute product rating stats (count, sum, histogram of published reviews) and the "
        "helpful / not helpful counters and Wilson scores of reviews; repair what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="only report differences; exit 1 when there are any")

    def handle(self, *args, check: bool, **options):
        report = review_aggregates_rebuild(fix=not check)
        verb = "differ" if check else "repaired"
        self.stdout.write(
            f"products: {report.products_checked} checked, {report.products_fixed} {verb}; "
            f"reviews: {report.reviews_checked} checked, {report.reviews_fixed} {verb}"
        )
        if check and (report.products_fixed or report.reviews_fixed):
            raise CommandError("stored review aggregates differ from the rows")
