"""``manage.py reindex`` and the demo step."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from search.models import SearchEntry

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("reindex", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


def test_reindex_rebuilds_and_summarises(corpus):
    SearchEntry.objects.all().delete()
    code, out = run()
    assert code == 0
    assert "Indexed 9 records" in out and "product: 5, review: 3, question: 1" in out
    assert SearchEntry.objects.count() == 9


def test_check_exits_1_on_a_difference_and_0_after_reindex(corpus):
    assert run("--check")[0] == 0
    SearchEntry.objects.filter(kind="review").first().delete()
    code, out = run("--check", "--kind", "review")
    assert code == 1 and "review: 1 missing, 0 extra, 0 out of date" in out
    assert run("--kind", "review")[0] == 0
    assert run("--check")[0] == 0


def test_the_demo_step_indexes_what_the_earlier_steps_loaded(corpus):
    from community.demo import DemoContext
    from search import demo

    SearchEntry.objects.all().delete()
    demo.seed(DemoContext(progress=False, out=io.StringIO()))
    demo.seed(DemoContext(progress=False, out=io.StringIO()))  # twice: the same index
    assert run("--check")[0] == 0
