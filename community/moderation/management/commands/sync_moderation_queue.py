"""Rebuild the moderation queue from the content (the queue's rebuild, next to its incremental path)."""

from django.core.management.base import BaseCommand, CommandError

from community.moderation.queue import queue_rebuild


class Command(BaseCommand):
    help = "Recompute every moderation queue item from its content; repair what differs."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only report differences; exit 1 when there are any")

    def handle(self, *args, check: bool, **options):
        differences = queue_rebuild(check=check)
        for line in differences:
            self.stdout.write(line)
        self.stdout.write(f"queue items {'differing' if check else 'repaired'}: {len(differences)}")
        if check and differences:
            raise CommandError("the moderation queue differs from the content")
