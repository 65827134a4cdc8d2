"""The per-user counters the header shows (unread notifications, unread messages), loaded together.

Each counter is kept in the shared cache under its own key by the app that owns it, which clears
the key whenever a write changes the count. Apps declare their counters through the
``user_counters`` hook (callables returning a :class:`UserCounter`); before the header asks for
them, :func:`load` reads every key at once and counts the missing ones in **one** query (an
expression per counter over the user's ``OuterRef("pk")``), so a cold cache costs one query for
the header rather than one per counter — none when the signed-in user was loaded for the
request: their query counts the missing ones too (``community.accounts.permissions``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Expression, IntegerField, Subquery
from django.db.models.functions import Coalesce
from wagtail import hooks


@dataclass(frozen=True)
class UserCounter:
    """``key(user_id)``: the counter's cache key; ``count()``: a queryset of the rows it counts,
    filtered by the user's ``OuterRef("pk")``; kept ``seconds`` in the cache."""

    key: Callable[[int], str]
    count: Callable[[], object]
    seconds: int


def count_expression(queryset) -> Expression:
    """``COUNT(*)`` of ``queryset`` as a scalar subquery (0 when it has no rows)."""
    from django.db.models import Func

    rows = queryset.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def missing(user_id: int | None) -> dict[str, tuple[str, UserCounter]]:
    """The declared counters of ``user_id`` that are not in the cache (one ``get_many``), as
    ``{annotation name: (cache key, counter)}`` for :func:`expressions` and :func:`store`."""
    if not user_id:
        return {}
    counters = {counter.key(user_id): counter for hook in hooks.get_hooks("user_counters")
                if (counter := hook()) is not None}
    if not counters:
        return {}
    found = cache.get_many(list(counters))
    return {f"counter_{n}": (key, counter) for n, (key, counter) in enumerate(counters.items()) if key not in found}


def expressions(pending: dict[str, tuple[str, UserCounter]]) -> dict[str, Expression]:
    """Annotations of a query of the user (``OuterRef("pk")`` is the user) counting ``pending``."""
    return {name: count_expression(counter.count()) for name, (_key, counter) in pending.items()}


def store(pending: dict[str, tuple[str, UserCounter]], row) -> None:
    """Keep the counts ``row`` (the annotated user, or a dict) holds for ``pending``."""
    for name, (key, counter) in pending.items():
        value = row[name] if isinstance(row, dict) else getattr(row, name)
        cache.set(key, value, counter.seconds)


def load(user_id: int | None) -> None:
    """Make sure every declared counter of ``user_id`` is in the cache: one ``get_many`` and, for
    those missing, one query (none when the signed-in user's own query counted them, see
    ``community.accounts.permissions``)."""
    pending = missing(user_id)
    if not pending:
        return
    from django.contrib.auth import get_user_model

    row = get_user_model()._default_manager.filter(pk=user_id).annotate(**expressions(pending)).values(*pending).first()
    if row is not None:
        store(pending, row)
