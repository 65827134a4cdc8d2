"""Named fixtures for the whole suite: people, the page tree, a real daphne server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
ARTIFACTS.mkdir(exist_ok=True)


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's event loop must not overlap async tests."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Every test starts with no attempts counted (ours and django-allauth's), also on Redis,
    where the counters would otherwise outlive the test."""
    from community.ratelimit import reset_all

    reset_all()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")


@pytest.fixture
def page_tree(db):
    """Home → Ноутбуки → Игровые ноутбуки → two products; Смартфоны → one product."""
    home = factories.build_home()
    laptops = factories.category(home, "Ноутбуки")
    gaming = factories.category(laptops, "Игровые ноутбуки")
    phones = factories.category(home, "Смартфоны")
    products = [
        factories.product(gaming, "ASUS ROG Strix G16", brand="ASUS"),
        factories.product(gaming, "MSI Katana 15", brand="MSI"),
        factories.product(phones, "Xiaomi Redmi Note 13", brand="Xiaomi"),
    ]
    return {"home": home, "laptops": laptops, "gaming": gaming, "phones": phones, "products": products}


@pytest.fixture
def product(page_tree):
    return page_tree["products"][0]


@pytest.fixture
def shopper(db):
    return factories.UserFactory(username="hamlet", verified=True)


@pytest.fixture
def other_shopper(db):
    return factories.UserFactory(username="ophelia", verified=True)


@pytest.fixture
def newcomer(db):
    """A fresh account: joined an hour ago, email not confirmed."""
    from django.utils import timezone

    return factories.UserFactory(username="newbie", date_joined=timezone.now() - timezone.timedelta(hours=1))


@pytest.fixture
def moderator(db):
    from community.moderation.apps import MODERATORS_GROUP, ensure_moderators_group

    ensure_moderators_group()
    user = factories.UserFactory(username="polonius", verified=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="horatio", is_staff=True, verified=True)


# --- real servers --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for(settings_dict: dict) -> str:
    """The URL of the test database the current test process uses, for child processes."""
    engine = settings_dict["ENGINE"]
    name = settings_dict["NAME"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{name}"
    user, password = settings_dict.get("USER", ""), settings_dict.get("PASSWORD", "")
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or "5432"
    return f"postgres://{user}:{password}@{host}:{port}/{name}"


class DaphneServer:
    """A real daphne process serving the test database on a free port."""

    def __init__(self, env_extra: dict | None = None, port: int | None = None):
        from django.db import connection

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url_for(connection.settings_dict),
            "DJANGO_SETTINGS_MODULE": "community.settings",
            "DEBUG": "1",
            "COMMUNITY_TESTING": "1",
            "TASKS_BACKEND": "database",  # as the test process (_database_task_backend below)
            "SERVE_FILES": "1",
            "MEDIA_ROOT": str(ARTIFACTS / "media"),
            **(env_extra or {}),
        }
        # The browser tests relax Django's async-safety check in the test process only.
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process: subprocess.Popen | None = None
        self.log_path = ARTIFACTS / f"daphne-{self.port}.log"

    def start(self, timeout: float = 120.0) -> DaphneServer:
        # A generous bound: on a loaded 2-core machine importing Django and Wagtail alone can take 30 s.
        daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
        self.log = open(self.log_path, "w")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(self.port), "community.asgi:application"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited early:\n{self.log_path.read_text()}")
            try:
                urllib.request.urlopen(self.url + "/robots.txt", timeout=1)  # noqa: S310
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not answer within {timeout}s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()


@pytest.fixture
def daphne_server(transactional_db):
    """A daphne process on a free port that sees this test's committed data."""
    server = DaphneServer().start()
    yield server
    server.stop()


# --- Background work: the real database task backend, worked for real ---------------------------
# The suite runs the database backend in both shapes (also with REDIS_URL, where the site would
# default to rq): run_task_worker and run_queued_tasks drive django-tasks-db, and the servers the
# tests start must queue where those look. The rq shape has its own tests (tests/test_rq_tasks.py).
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _database_task_backend(settings):
    if settings.TASKS != DATABASE_TASKS:
        settings.TASKS = DATABASE_TASKS  # setting_changed resets django-tasks' cached backends


def run_task_worker(timeout: float = 120.0) -> str:
    """Run ``manage.py db_worker --batch`` against the test database until the queue is empty.

    A real worker process (django-tasks-db's own command), so the test needs committed data
    (``transactional_db``). Returns the worker's output; fails the test if the worker fails.
    """
    from django.db import connection

    env = {**os.environ, "DATABASE_URL": database_url_for(connection.settings_dict),
           "DJANGO_SETTINGS_MODULE": "community.settings", "COMMUNITY_TESTING": "1", "TASKS_BACKEND": "database"}
    finished = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay",
         "--queue-name", "*", "--interval", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout + finished.stderr


def run_queued_tasks() -> int:
    """Run the ready tasks in this process with django-tasks-db's own worker code (claim → run →
    record the result), for tests whose data lives in the test's uncommitted transaction."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="pytest", excluded_queue_names=[])
    count = 0
    while (result := DBTaskResult.objects.ready().get_locked()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        count += 1
    return count
