"""``manage.py send_pending_emails [--older-than 10]``: send the immediate emails still waiting
after their task should have run (idempotent; cron, every few minutes).

A task queue in Redis (``TASKS_BACKEND=rq``) receives its job when the transaction commits; a
process killed between the commit and the push, or a Redis that was down at that moment, leaves a
committed notification whose email job never existed. The notification row is the record: this
sweep finds what is still *pending* after ``--older-than`` minutes and sends it as the task
would have (``emails.send_immediate``, which skips whatever was sent meanwhile).
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from community.notifications import emails
from community.notifications.models import EmailStatus, Notification

CHUNK = 200


class Command(BaseCommand):
    help = "Send the immediate notification emails still pending after N minutes (running it twice sends nothing new)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=10, metavar="MINUTES",
                            help="only emails waiting longer than this (default 10: their task had its chance)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, older_than: int, no_progress: bool, **options):
        if older_than < 0:
            self.stderr.write("--older-than must be 0 or more minutes.")
            raise SystemExit(2)
        cutoff = timezone.now() - timedelta(minutes=older_than)
        ids = list(Notification.objects.filter(email_status=EmailStatus.PENDING, withdrawn=False, created__lte=cutoff)
                   .order_by("pk").values_list("pk", flat=True))
        sent = failed = 0
        with tqdm(total=len(ids), desc="pending emails", disable=no_progress or len(ids) < 50, leave=False) as bar:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                try:
                    sent += emails.send_immediate(chunk)
                except Exception as error:  # SMTP down: recorded on each notification; the next run retries
                    failed += 1
                    self.stderr.write(f"a chunk failed ({type(error).__name__}: {error}); the next run retries it")
                bar.update(len(chunk))
        self.stdout.write(f"{len(ids)} pending emails older than {older_than} min: {sent} sent"
                          + (f", {failed} chunks failed" if failed else ""))
