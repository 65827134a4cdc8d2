"""A task for the tests of the task backends: it fails with a transient error on its first
attempt and succeeds on the next, through the house retry helper (community.background)."""

from __future__ import annotations

from django.db import OperationalError
from django_tasks import TaskContext, task

from community.background import retried_on_transient_errors
from tests.testapp.models import Note


@task(takes_context=True)
def note_on_second_attempt(context: TaskContext, author_id: int, text: str, attempt: int = 1) -> int | None:
    """Raise a transient error on attempt 1 (retried after 1 s); write a Note on attempt 2."""
    with retried_on_transient_errors(context, attempt=attempt, args=(author_id, text), delays=(1,)):
        if attempt == 1:
            raise OperationalError("the database went away (on purpose)")
        return Note.objects.create(author_id=author_id, text=f"{text} (attempt {attempt})").pk
    return None
