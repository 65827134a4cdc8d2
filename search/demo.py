"""Demo step: index everything the earlier steps loaded (they write in bulk, without events),
then compute the words buyers mention on each product page.

Idempotent: a rebuild replaces the index with the same records.
"""

from __future__ import annotations

from community.demo import DemoContext
from search import mentions, rebuild
from search.engines import get_engine


def seed(context: DemoContext) -> None:
    done = rebuild.rebuild(get_engine(), rebuild.ALL_KINDS)
    context.log("search: " + ", ".join(f"{n} {kind}s" for kind, n in done.items()) + " indexed")
    context.log(f"search: the words buyers mention computed for {mentions.refresh_all()} products")
