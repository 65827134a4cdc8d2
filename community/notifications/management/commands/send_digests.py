"""``manage.py send_digests [--period daily|weekly]``: the email digests of this window (idempotent)."""

from django.core.management.base import BaseCommand

from community.notifications.emails import send_digests
from community.notifications.models import Frequency


class Command(BaseCommand):
    help = "Send the daily or weekly notification digests (running it twice sends nothing new)."

    def add_arguments(self, parser):
        parser.add_argument("--period", choices=[Frequency.DAILY, Frequency.WEEKLY], default=Frequency.DAILY)

    def handle(self, *args, period: str, **options):
        figures = send_digests(period=period)
        self.stdout.write(f"{period}: {figures['sent']} digests sent ({figures['items']} items), "
                          f"{figures['skipped']} skipped")
