"""The machinery of ``manage.py demo_content``: a context shared by the seeding steps.

Each module named in ``settings.DEMO_CONTENT_STEPS`` has ``seed(context)``. Steps must be
idempotent: running the command again adds nothing.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (documented demo accounts, never production)


@dataclass
class DemoContext:
    products: int = 300
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    progress: bool = True
    out: Any = sys.stdout
    shared: dict[str, Any] = field(default_factory=dict)

    def log(self, message: str) -> None:
        self.out.write(message + "\n")

    def track(self, items: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterator[T]:
        """Iterate with a progress bar (on stderr) when the amount is large."""
        if not self.progress:
            yield from items
            return
        yield from tqdm(items, total=total, desc=desc, unit="", leave=False, file=sys.stderr,
                        disable=(total is not None and total < 50))
