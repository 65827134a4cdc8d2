"""Benchmarks that print figures (never pass/fail on time). ``python -m bench`` runs them all."""
