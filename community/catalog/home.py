"""The home page's community blocks (``home_page_sections`` hook, see ``HomePage``) share one
brief cache, so each block costs its fixed few queries at most once per expiry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache


def cached_items(key: str, build: Callable[[], list[Any]]) -> list[Any]:
    """``build()`` — a list of model instances with everything the block shows already loaded —
    kept ``HOME_SECTION_CACHE_SECONDS`` in the shared cache under ``home:<key>``."""
    return cache.get_or_set(f"home:{key}", build, settings.HOME_SECTION_CACHE_SECONDS)
