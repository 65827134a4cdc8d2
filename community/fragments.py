"""Parts of a page every viewer sees alike, rendered once and kept in the shared cache under a
key that holds everything they show (content-addressed: a change makes a new key, so nothing is
stale and nothing needs deleting; unused keys expire).

``render_once(items, name=…, template=…, variable=…, fingerprint=…)`` renders ``template`` with
``{variable: item}`` for the items whose rendering is not cached yet and gives each item its HTML
as ``item.shared_html``, which its template prints instead of rendering the part again. One cache
round trip for all the items of a page. ``fingerprint(item)`` must return everything the part
shows (model fields, the author's standing: :func:`author_tags.author_fingerprint`); the UI
language and time zone are added here. Never put the viewer's own state in such a part.

The product page keeps its parts under the page's version instead (``catalog.page_cache``): one
version row covers every section there. A question page's answers have no such row for signed-in
viewers, and twenty answers' heads were a third of the page's time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

# Bump when a part's markup changes shape without its inputs changing (a template edit), so a
# deploy does not serve the previous release's renderings.
FORMAT = 1
SECONDS = 24 * 3600


def render_once(items: Iterable, *, name: str, template: str, variable: str,
                fingerprint: Callable[[object], tuple]) -> None:
    """Give every item of ``items`` its rendered ``template`` as ``item.shared_html`` (see the
    module's docstring)."""
    items = list(items)
    if not items:
        return
    context = (translation.get_language(), timezone.get_current_timezone_name())
    keys = {}
    for item in items:
        digest = hashlib.blake2b(repr((fingerprint(item), context)).encode(), digest_size=16).hexdigest()
        keys[id(item)] = f"fragment:{FORMAT}:{name}:{digest}"
    found = cache.get_many(list(keys.values()))
    missing = {}
    for item in items:
        html = found.get(keys[id(item)])
        if html is None:
            html = missing[keys[id(item)]] = str(render_to_string(template, {variable: item}))
        item.shared_html = mark_safe(html)  # noqa: S308  (our own rendering)
    if missing:
        cache.set_many(missing, SECONDS)
