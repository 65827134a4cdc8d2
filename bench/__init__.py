"""Benchmarks that print figures (never pass/fail on time). ``python -m bench`` runs them all."""

from pathlib import Path

# The benches' databases (the settings' test database on SQLite) and logs live here.
(Path(__file__).resolve().parent.parent / "test-artifacts").mkdir(exist_ok=True)
