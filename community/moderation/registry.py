"""The kinds of content the moderation queue knows — registered by the apps that own them.

The core never imports a feature app: each app describes its moderated models with a
:class:`ContentKind` returned from the ``moderation_kinds`` Wagtail hook in its
``wagtail_hooks.py``::

    @hooks.register("moderation_kinds")
    def review_kinds():
        return [ContentKind(key="review", model=Review, label=_("Review"), author_path="author",
                            product_path="product", excerpt=lambda r: r.title or r.text)]

The queue, bulk decisions and "remove everything by this user" work through these descriptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.db import models
from django.utils.text import Truncator
from wagtail import hooks

EXCERPT_LENGTH = 280


@dataclass(frozen=True)
class ContentKind:
    """How the queue sees one moderated model.

    ``author_path`` / ``product_path`` are ORM paths from the model (``"review__author"``);
    ``product_path`` is None for content that belongs to no product (chat lines outside product
    rooms resolve to none). ``excerpt`` turns an instance into plain text (its whole text unless
``compares_text`` is False). ``admin_url_name`` is
    the kind's inspect URL name in the admin (given the pk), if it has one. ``counts_toward_trust``:
    whether the kind's published content lifts pre-moderation (chat lines do not).
    """

    key: str
    model: type[models.Model]
    label: str
    excerpt: Callable[[models.Model], str]
    author_path: str = "author"
    product_path: str | None = "product"
    admin_url_name: str | None = None
    select_related: tuple[str, ...] = field(default_factory=tuple)
    #: Whether the excerpt is the author's own text, compared by the "same text across accounts"
    #: signal (not for photos, whose excerpt is a label).
    compares_text: bool = True

    def author_id_of(self, obj) -> int | None:
        *path, last = self.author_path.split("__")
        target = obj
        for part in path:
            target = getattr(target, part, None)
            if target is None:
                return None
        return getattr(target, f"{last}_id", None)

    def product_of(self, obj):
        if not self.product_path:
            return None
        target = obj
        for part in self.product_path.split("__"):
            target = getattr(target, part, None)
            if target is None:
                return None
        return target

    def excerpt_of(self, obj) -> str:
        return Truncator(" ".join(str(self.excerpt(obj) or "").split())).chars(EXCERPT_LENGTH)

    def by_author(self, user_id: int) -> models.QuerySet:
        return self.model._default_manager.filter(**{f"{self.author_path}_id": user_id})


@cache
def _kinds() -> dict[str, ContentKind]:
    found: dict[str, ContentKind] = {}
    for hook in hooks.get_hooks("moderation_kinds"):
        for kind in hook():
            found[kind.key] = kind
    return found


def kinds() -> dict[str, ContentKind]:
    """Every registered kind by key, in the order the apps registered them."""
    return _kinds()


def kind_for_model(model: type[models.Model]) -> ContentKind | None:
    concrete = model._meta.concrete_model
    for kind in _kinds().values():
        if kind.model is concrete:
            return kind
    return None


def kind_choices() -> list[tuple[str, str]]:
    return [(key, kind.label) for key, kind in _kinds().items()]
