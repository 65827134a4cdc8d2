"""Background work: the project's conventions on top of Django's tasks API (``django-tasks``).

Every slow or fanned-out job (large shop-feed batches today; notifications, search indexing and
webhooks next) is a ``@task`` function in its app's ``tasks.py``, enqueued by a service, and run
by a worker (``python manage.py db_worker``; ``make run`` starts one beside daphne). Settings
``TASKS`` choose the backend: the database backend (``django_tasks_db``), whose queue is a table
in the site's database, so a task enqueued inside a transaction exists exactly when the
transaction commits — nothing is lost, nothing runs for a write that was rolled back.

The rules a task follows here:

* **Idempotent.** A task may run more than once (a worker killed mid-task, a retry): it records
  what it did, and a second run finds that and does nothing new.
* **Arguments are ids**, never model instances (they are stored as JSON).
* **Transient failures are retried** with :func:`retried_on_transient_errors`: the task enqueues
  itself again, a little later, with ``attempt + 1``; after the last delay the error is raised and
  the task result is marked failed (and the caller's ``on_give_up`` records why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import InterfaceError, OperationalError, close_old_connections
from django.utils import timezone
from django_tasks import TaskContext

logger = logging.getLogger(__name__)

#: Errors worth another try: the database was locked, restarted, or a serialization failure /
#: deadlock victim (both are ``OperationalError`` on PostgreSQL and SQLite).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
#: Seconds to wait before attempt 2, 3, … ; after the last one the failure is final.
RETRY_DELAYS: tuple[int, ...] = (5, 30, 120, 600)


@contextmanager
def retried_on_transient_errors(
    context: TaskContext,
    *,
    attempt: int,
    args: tuple = (),
    kwargs: dict | None = None,
    delays: tuple[int, ...] = RETRY_DELAYS,
    on_give_up: Callable[[BaseException], None] | None = None,
) -> Iterator[None]:
    """Run the block; on a transient error enqueue the same task again later, with ``attempt + 1``.

    Use inside a ``@task(takes_context=True)`` function that takes an ``attempt: int = 1``
    keyword argument and passes its own arguments here. The block's exception is swallowed when
    a retry was enqueued (the task then returns ``None``), and raised after the last attempt,
    once ``on_give_up(error)`` has run.
    """
    try:
        yield
    except TRANSIENT_ERRORS as error:
        close_old_connections()  # a broken connection is not reused for the bookkeeping below
        task = context.task_result.task
        if attempt > len(delays):
            logger.error("%s gave up after %d attempts: %s", task.name, attempt, error)
            if on_give_up is not None:
                on_give_up(error)
            raise
        delay = delays[attempt - 1]
        task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            *args, **{**(kwargs or {}), "attempt": attempt + 1}
        )
        logger.warning("%s failed (%s); attempt %d in %d s", task.name, error, attempt + 1, delay)
