"""Re-render a user's stored HTML when their links' ``nofollow`` changes (Expert status).

Uses the same declarations as the core's ``resanitize`` command: every model with
``SANITIZED_FIELDS = {"source": "html"}`` and an ``author`` foreign key to users (or the name
in ``SANITIZED_AUTHOR_FIELD``) is re-rendered from its source for that author, with the
model's own ``follow_links()`` deciding the ``rel`` and its ``sanitize_source()`` (if any)
the flavour of HTML.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from community.text import sanitize

BATCH = 500


def _author_field(model) -> str | None:
    name = getattr(model, "SANITIZED_AUTHOR_FIELD", "author")
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if isinstance(field, models.ForeignKey) and field.related_model._meta.label == settings.AUTH_USER_MODEL:
        return name
    return None


def rerender_user_html(user_id: int) -> int:
    """Re-sanitize every stored text by ``user_id``; return how many rows changed.

    Call inside the transaction that changed the user's profile, after the change, so that
    ``follow_links()`` reads the new state.
    """
    changed = 0
    for model in apps.get_models():
        fields: dict[str, str] = getattr(model, "SANITIZED_FIELDS", None) or {}
        author = _author_field(model) if fields else None
        if not author:
            continue
        queryset = model._default_manager.filter(**{f"{author}_id": user_id}).select_related(f"{author}__profile")
        dirty = []
        for obj in queryset.iterator(chunk_size=BATCH):
            follow = bool(getattr(obj, "follow_links", lambda: False)())
            before = [getattr(obj, html) for html in fields.values()]
            for source, html in fields.items():
                value = getattr(obj, source) or ""
                if value and hasattr(model, "sanitize_source"):  # a model's own flavour (chat: inline)
                    setattr(obj, html, model.sanitize_source(value, follow_links=follow))
                    continue
                setattr(obj, html, sanitize(value, follow_links=follow, required=False, max_length=10**7).html
                        if value else "")
            if [getattr(obj, html) for html in fields.values()] != before:
                dirty.append(obj)
        if dirty:
            model._default_manager.bulk_update(dirty, list(fields.values()), batch_size=BATCH)
            changed += len(dirty)
    return changed
