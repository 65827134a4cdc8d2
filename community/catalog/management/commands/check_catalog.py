"""Check that every product's top-level category matches the page tree, and repair what differs.

Repairs go through the catalog service, so reputation follows (the ledger's category, the
per-category totals, Expert statuses). Exit status 1 with ``--check`` when anything differs.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from community.catalog.models import ProductPage
from community.catalog.services import product_categories_sync


class Command(BaseCommand):
    help = "Check products' top-level category against the page tree; repair what differs."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only report differences; exit 1 when there are any")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, check: bool, no_progress: bool, **options):
        total = ProductPage.objects.count()
        with tqdm(total=total, desc="products", unit="product", disable=no_progress or total < 1000,
                  leave=False) as bar:
            moves = product_categories_sync(fix=not check, progress=bar)
        for product_id, (previous, current) in sorted(moves.items()):
            self.stdout.write(f"product {product_id}: top-level category {previous} → {current}")
        verb = "differ" if check else "repaired"
        self.stdout.write(f"products: {total} checked, {len(moves)} {verb}")
        if check and moves:
            raise CommandError("products' top-level categories differ from the page tree")
