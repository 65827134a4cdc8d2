"""Re-render stored HTML of user text from its source after the sanitizer policy changed.

Every model that declares ``SANITIZED_FIELDS = {"source_field": "html_field", ...}`` is
processed; a model may define ``follow_links()`` (True drops ``nofollow`` for trusted authors),
and ``DERIVED_FIELDS`` with ``set_derived()`` for what it stores computed from that HTML (an
answer's excerpt), refreshed here too.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from community.text import sanitize

BATCH = 500


class Command(BaseCommand):
    help = "Re-sanitize stored user HTML from its source (models with SANITIZED_FIELDS)."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, no_progress: bool = False, **options):
        for model in apps.get_models():
            fields: dict[str, str] = getattr(model, "SANITIZED_FIELDS", None) or {}
            if not fields:
                continue
            stored = [*fields.values(), *getattr(model, "DERIVED_FIELDS", ())]
            queryset = model._default_manager.order_by("pk")
            total = queryset.count()
            changed = 0
            bar = tqdm(total=total, desc=model._meta.label, disable=no_progress or total < 50, leave=False)
            last_pk = None
            while True:
                page = queryset.filter(pk__gt=last_pk) if last_pk is not None else queryset
                batch = list(page[:BATCH])
                if not batch:
                    break
                dirty = []
                for obj in batch:
                    follow = bool(getattr(obj, "follow_links", lambda: False)())
                    before = [getattr(obj, name) for name in stored]
                    for source, html in fields.items():
                        value = getattr(obj, source) or ""
                        if value and hasattr(model, "sanitize_source"):  # a model's own flavour (chat: inline)
                            setattr(obj, html, model.sanitize_source(value, follow_links=follow))
                            continue
                        setattr(obj, html, sanitize(value, follow_links=follow, required=False, max_length=10**7).html
                                if value else "")
                    if hasattr(obj, "set_derived"):
                        obj.set_derived()
                    if [getattr(obj, name) for name in stored] != before:
                        dirty.append(obj)
                with transaction.atomic():
                    model._default_manager.bulk_update(dirty, stored)
                changed += len(dirty)
                last_pk = batch[-1].pk
                bar.update(len(batch))
            bar.close()
            self.stdout.write(f"{model._meta.label}: {changed} of {total} re-rendered")
