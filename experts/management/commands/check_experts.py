"""Nightly: re-check every Expert status (grace periods end without any event)."""

from django.core.management.base import BaseCommand

from experts.services import experts_check


class Command(BaseCommand):
    help = "Re-check every Expert status and candidate; end grace periods that ran out."

    def handle(self, *args, **options):
        report = experts_check()
        self.stdout.write(f"checked {report.checked}: gained {report.gained}, lost {report.lost}; "
                          f"category titles updated in {report.titles_updated} profiles")
