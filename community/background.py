"""Background work: the project's conventions on top of Django's tasks API (``django-tasks``).

Every slow or fanned-out job (large shop-feed batches today; notifications, search indexing and
webhooks next) is a ``@task`` function in its app's ``tasks.py``, enqueued by a service, and run
by a worker (``make run`` starts one beside daphne). Settings ``TASKS`` choose the backend
(``TASKS_BACKEND``):

* ``database`` (embedded default): ``django_tasks_db``, whose queue is a table in the site's
  database, worked by ``manage.py db_worker``. A task enqueued inside a transaction exists exactly
  when the transaction commits.
* ``rq`` (the default with ``REDIS_URL``): :class:`OnCommitRQBackend`, django-tasks-rq's backend
  worked by ``manage.py rqworker --with-scheduler``. RQ would push a job to Redis at once; this
  backend pushes it when the transaction commits, so the database backend's guarantee holds in
  both shapes: nothing runs for a write that was rolled back, and a worker never starts before
  the rows the task reads are committed.

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
from functools import partial

import django_rq
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.utils import timezone
from django_tasks import TaskContext, TaskResult, TaskResultStatus
from django_tasks.base import TASK_MAX_PRIORITY, Task
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job, RQBackend, failed_callback, success_callback
from rq.job import Callback, JobStatus

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


class OnCommitRQBackend(RQBackend):
    """django-tasks-rq's backend, but the job reaches Redis when the enqueuing transaction commits.

    ``enqueue`` returns the result at once (status ``READY``, its id chosen here); the job is
    created under that same id in ``transaction.on_commit``, so ``get_result(id)`` finds it from
    the commit on, and never for a transaction that was rolled back. Outside a transaction the
    job is pushed at once. A failed push (Redis down) raises in the committing code: the rows are
    committed, the caller sees the error (``robust=False``), and the rows stay pending for an
    idempotent rerun.
    """

    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task, id=get_random_id(), status=TaskResultStatus.READY, enqueued_at=None, started_at=None,
            last_attempted_at=None, finished_at=None, args=args, kwargs=kwargs, backend=self.alias,
            errors=[], worker_ids=[],
        )
        transaction.on_commit(partial(self._push, result))
        return result

    def _push(self, result: TaskResult) -> None:
        """Create and queue (or schedule, for ``run_after``) the job, as django-tasks-rq 0.12's
        ``RQBackend.enqueue`` does, under the id ``result`` already carries."""
        task = result.task
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path, args=result.args, kwargs=result.kwargs, job_id=result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback), on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=result)
