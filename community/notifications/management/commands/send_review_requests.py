"""``manage.py send_review_requests [--days N]``: ask buyers for reviews N days after a purchase."""

from django.core.management.base import BaseCommand

from community.notifications.review_requests import send_review_requests


class Command(BaseCommand):
    help = "Ask for reviews of purchases made REVIEW_REQUEST_DAYS (14) days ago (one per purchase; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="days after the purchase (default: the setting)")

    def handle(self, *args, days=None, **options):
        figures = send_review_requests(days=days)
        self.stdout.write(f"review requests: {figures['sent']} sent, {figures['skipped']} skipped")
