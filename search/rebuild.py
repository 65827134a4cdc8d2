"""Rebuilding the index from the database and checking it against the database.

Both use :func:`search.records.iter_records`, the same record builders as the live path, so a
check after any sequence of live updates finds nothing to repair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from search.engines.base import SearchEngine
from search.records import KINDS, indexable, iter_records

Progress = Callable[[int], None]


@dataclass
class CheckReport:
    missing: dict[str, list[str]] = field(default_factory=dict)  # in the database, not in the index
    extra: dict[str, list[str]] = field(default_factory=dict)  # in the index, not indexable
    stale: dict[str, list[str]] = field(default_factory=dict)  # in both, different

    @property
    def differs(self) -> bool:
        return any(self.missing.values()) or any(self.extra.values()) or any(self.stale.values())


def count(kind: str) -> int:
    return indexable(kind).count()


def rebuild(engine: SearchEngine, kinds: list[str], *, progress: Progress | None = None) -> dict[str, int]:
    """Replace the index of ``kinds`` with fresh records; returns how many of each.

    The database engine does it in one transaction (readers see the old index until it
    commits); the Elasticsearch engine fills a new index and swaps the alias.
    """
    done: dict[str, int] = {}
    with transaction.atomic():
        engine.begin_rebuild(kinds)
        for kind in kinds:
            engine.clear(kind)
            done[kind] = 0
            for chunk in iter_records(kind):
                done[kind] += engine.index(chunk)
                if progress:
                    progress(len(chunk))
        engine.finish_rebuild()
    return done


def check(engine: SearchEngine, kinds: list[str], *, progress: Progress | None = None) -> CheckReport:
    report = CheckReport()
    for kind in kinds:
        expected: dict[str, str] = {}
        for chunk in iter_records(kind):
            expected.update((r.key, r.fingerprint()) for r in chunk)
            if progress:
                progress(len(chunk))
        actual = engine.fingerprints(kind)
        report.missing[kind] = sorted(set(expected) - set(actual))
        report.extra[kind] = sorted(set(actual) - set(expected))
        report.stale[kind] = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])
    return report


ALL_KINDS = list(KINDS)
