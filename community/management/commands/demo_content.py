"""Load realistic demo content: catalog, users, purchases (and what later apps add).

Idempotent: a second run finds what is there and adds nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from community.demo import DemoContext


class Command(BaseCommand):
    help = "Load demo content (idempotent). Steps: settings.DEMO_CONTENT_STEPS."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=300, help="number of products (default 300)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, products: int, seed: int, no_progress: bool, **options):
        import random

        context = DemoContext(products=products, rng=random.Random(seed), progress=not no_progress, out=self.stdout)
        for dotted in settings.DEMO_CONTENT_STEPS:
            step = import_string(f"{dotted}.seed")
            with transaction.atomic():
                step(context)
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
