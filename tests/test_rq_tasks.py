"""The production shape of background work: django-tasks-rq on Redis, worked by real
``manage.py rqworker`` processes. A job reaches Redis only when its transaction commits, a real
project task run by the worker changes the database, and a transient failure is retried with
``run_after`` by RQ's scheduler. Skipped without ``REDIS_URL``; the rest of the suite keeps the
database backend (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import django_rq
import pytest
from django.db import connection, transaction
from django_tasks import TaskResultStatus, default_task_backend, task_backends
from django_tasks.exceptions import TaskResultDoesNotExist
from rq.registry import ScheduledJobRegistry

from community.background import OnCommitRQBackend
from community.notifications import tasks as notification_tasks
from community.notifications.models import EmailStatus, Notification
from tests.conftest import ROOT, database_url_for
from tests.notifications.test_email import tell
from tests.testapp.models import Note
from tests.testapp.tasks import note_on_second_attempt

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: the rq backend needs Redis")


@pytest.fixture
def rq_backend(settings):
    """The rq shape in this process (setting TASKS resets django-tasks' backend cache through
    its setting_changed receiver), on the test's Redis database, with an empty queue."""
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    settings.TASKS = {"default": {"BACKEND": "community.background.OnCommitRQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.empty()
    assert isinstance(task_backends["default"], OnCommitRQBackend)
    yield queue
    queue.empty()
    for registry in (queue.scheduled_job_registry, queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


def rqworker(*options: str, timeout: float = 120.0) -> str:
    """Run a real ``manage.py rqworker`` on the test database and Redis until it exits."""
    env = {**os.environ, "DATABASE_URL": database_url_for(connection.settings_dict),
           "DJANGO_SETTINGS_MODULE": "community.settings", "COMMUNITY_TESTING": "1",
           "TASKS_BACKEND": "rq", "TASKS_REDIS_URL": REDIS_URL}
    finished = subprocess.run(
        [sys.executable, "manage.py", "rqworker", *options, "default"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout + finished.stderr


def test_a_committed_notification_email_is_sent_by_a_real_rq_worker(transactional_db, rq_backend, shopper):
    with transaction.atomic():
        tell(shopper)
        assert rq_backend.count == 0  # not before the commit: the worker would not see the row
    assert rq_backend.count == 1

    rqworker("--burst")

    assert Notification.objects.get().email_status == EmailStatus.SENT
    [job_id] = rq_backend.finished_job_registry.get_job_ids()
    assert default_task_backend.get_result(job_id).status == TaskResultStatus.SUCCESSFUL


def test_the_result_is_found_by_its_id_from_the_commit_on(transactional_db, rq_backend, shopper):
    with transaction.atomic():
        result = notification_tasks.send_immediate_emails.enqueue([])
        assert result.status == TaskResultStatus.READY
        with pytest.raises(TaskResultDoesNotExist):
            default_task_backend.get_result(result.id)
    assert default_task_backend.get_result(result.id).status == TaskResultStatus.READY
    rqworker("--burst")
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == 0


def test_a_rolled_back_notification_never_reaches_redis(transactional_db, rq_backend, shopper):
    with pytest.raises(RuntimeError), transaction.atomic():
        tell(shopper)
        result = notification_tasks.send_immediate_emails.enqueue([])
        raise RuntimeError("the request failed after enqueuing")

    assert rq_backend.count == 0 and rq_backend.scheduled_job_registry.count == 0
    with pytest.raises(TaskResultDoesNotExist):
        default_task_backend.get_result(result.id)
    assert not Notification.objects.exists()


def test_a_transient_failure_is_retried_later_by_the_scheduler(transactional_db, rq_backend, shopper):
    first = note_on_second_attempt.enqueue(shopper.pk, "hello")

    # Attempt 1 fails with a transient error and schedules attempt 2 one second later; the
    # worker's scheduler moves it to the queue when due; the worker stops after both jobs.
    output = rqworker("--with-scheduler", "--max-jobs", "2", timeout=60)

    [note] = Note.objects.all()
    assert note.text == "hello (attempt 2)" and note.author == shopper
    first.refresh()
    assert first.status == TaskResultStatus.SUCCESSFUL and first.return_value is None
    assert ScheduledJobRegistry(queue=rq_backend).count == 0
    assert output.count("Job OK") == 2
