"""Load and soak test: locust against two daphne processes, PostgreSQL and Redis on this machine.

``python -m bench.load [--minutes 5] [--users 40] [--spawn-rate 2] [--processes 2]
[--database-url …] [--redis-url …] [--hosts http://127.0.0.1:PORT,…] [--plan FILE]``

What it does, on loopback only:

1. migrates the database (``--database-url`` or ``DATABASE_URL``; a PostgreSQL database is
   created when missing) and loads the demo content (``demo_content`` is idempotent), then
   collects static files (the servers run with ``DEBUG=0``, as in production);
2. writes the *plan* (``bench/locustfile.py`` reads it): page URLs, review and answer ids, the
   demo accounts, hot product rooms and direct conversations between demo users;
3. starts ``--processes`` daphne processes (and the ``django-tasks`` database worker when the
   project has one) sharing the database and Redis (``--redis-url`` or ``REDIS_URL``, a unique
   key prefix per run). The load generator plays the proxy: it sends ``X-Forwarded-Proto:
   https`` (``DEBUG=0`` cookies are ``Secure``) and spreads its users over the processes;
4. runs locust headless for ``--minutes`` and prints p50 / p95 / p99 per endpoint, the chat
   message latency (send on one socket → delivery on another, a custom locust event) and the
   acknowledgement latency, responses by status class, the 5xx count, and each daphne
   process's resident memory at the start, middle and end of the run.

Exit status 1 when any response was a 5xx (or locust could not run). With ``--hosts`` it drives
servers that are already running (the smoke test does that) instead of starting its own.
The figures are for this machine, shared with the load generator: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (the demo accounts' documented password)
DEFAULT_DATABASE = "postgres://postgres:postgres@127.0.0.1:5432/community_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


# --- the plan: what the simulated users browse, vote on and talk in ---------------------------------


def build_plan(*, hosts: list[str], password: str = DEMO_PASSWORD, usernames: list[str] | None = None,
               hot_rooms: int = 3, dm_pairs: int = 4, limit: int = 200) -> dict:
    """Read the plan from the configured database (Django must be set up).

    ``usernames``: the accounts simulated users log in as (default: every active,
    non-staff account with a usable password). Direct conversations between pairs of them
    are created when missing (that is the only write).
    """
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from chat import services as chat_services
    from community.catalog.models import CategoryPage, ProductPage
    from community.moderation.models import Status
    from community.qa.models import Answer, Question
    from reviews.models import Review

    user_model = get_user_model()
    users = user_model.objects.filter(is_active=True, is_staff=False, is_superuser=False).order_by("pk")
    if usernames is not None:
        users = users.filter(username__in=usernames)
    else:  # new accounts' first contributions wait for a moderator: they would only add noise
        users = users.filter(date_joined__lt=timezone.now() - timedelta(days=7))
    users = [user for user in users[:50] if user.has_usable_password()]
    if len(users) < 2:
        raise SystemExit("the plan needs at least two active accounts with a password (load the demo content)")
    products = list(ProductPage.objects.live().order_by("pk")[:limit])
    if not products:
        raise SystemExit("the database has no products (load the demo content)")
    questions = Question.objects.published().select_related("product").order_by("-pk")[:limit]
    pairs = []
    for first, second in zip(users[0::2], users[1::2], strict=False):
        if len(pairs) >= dm_pairs:
            break
        room = chat_services.direct_room_for(actor=first, other=second)
        pairs.append({"room": f"room:{room.pk}", "users": [first.username, second.username]})
    words = sorted({word.strip(",.()«»") for product in products for word in product.title.split()
                    if len(word) > 3 and word.isalpha()})
    return {
        "hosts": hosts,
        "password": password,
        "users": [user.username for user in users],
        "profiles": [user.username for user in users],
        "categories": [page.url for page in CategoryPage.objects.live().order_by("pk")[:50]],
        "products": [page.url for page in products],
        "questions": [question.get_url() for question in questions],
        "reviews": [{"id": pk, "author": author} for pk, author in
                    Review.objects.published().order_by("-pk").values_list("pk", "author__username")[:limit * 2]],
        "answers": [{"id": answer.pk, "author": answer.author.username, "question": answer.question.get_url()}
                    for answer in Answer.objects.published().filter(question__status=Status.PUBLISHED)
                    .select_related("author", "question__product").order_by("-pk")[:limit]],
        "search_terms": words[:100] or ["ноутбук"],
        "hot_rooms": [{"room": f"product:{page.pk}", "url": page.url} for page in products[:hot_rooms]],
        "dm_pairs": pairs,
    }


# --- the servers ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    from urllib.parse import urlparse

    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            connection.execute(f'create database "{name}"')


def server_env(*, database_url: str, redis_url: str, prefix: str, hosts: list[str]) -> dict:
    """The production-shaped environment of the bench's servers (``DEBUG=0``, behind a proxy)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "community.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": ",".join(host.replace("http://", "https://") for host in hosts),
        "SITE_URL": hosts[0].replace("http://", "https://"),
        "SECURE_SSL_REDIRECT": "0",
        "SHOP_API_TOKEN": os.environ.get("SHOP_API_TOKEN") or secrets.token_urlsafe(24),
        "SERVE_FILES": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("COMMUNITY_TESTING", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _manage(env: dict, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=False, text=True,
                          stdout=subprocess.PIPE if quiet else None, stderr=subprocess.STDOUT if quiet else None)


def _has_task_worker(env: dict) -> bool:
    """True when the project has django-tasks' database worker command (``db_worker``)."""
    return _manage(env, "help", "db_worker").returncode == 0


class Process:
    """A child process (daphne or the task worker) with its log file."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def rss_mib(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _wait_until_up(process: Process, url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise SystemExit(f"{process.name} exited early:\n{process.log_path.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url + "/robots.txt", timeout=2)  # noqa: S310 (loopback only)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{process.name} did not answer within {timeout}s:\n{process.log_path.read_text()[-3000:]}")


# --- running locust and reporting ---------------------------------------------------------------


def run_locust(*, plan_path: Path, report_path: Path, users: int, spawn_rate: float, seconds: int,
               log_dir: Path, quiet: bool = True) -> int:
    """Run the locust scenario headless; the locustfile writes its figures to ``report_path``."""
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_REPORT": str(report_path)}
    plan = json.loads(plan_path.read_text())
    args = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", plan["hosts"][0],
            "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
            "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING"]
    with open(log_dir / "locust.log", "w") as log:
        result = subprocess.run(args, cwd=ROOT, env=env, check=False,
                                stdout=log if quiet else None, stderr=subprocess.STDOUT if quiet else None)
    return result.returncode


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def print_report(report: dict, memory: dict[str, list[float | None]], *, seconds: int, users: int) -> None:
    print(f"\nlocust: {users} users for {seconds} s, {report['requests']} requests "
          f"({report['requests'] / max(seconds, 1):.1f}/s)")
    print(f"{'endpoint':<34} {'count':>7} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  ms")
    for row in report["endpoints"]:
        print(f"{row['type'] + ' ' + row['name']:<34.34} {row['count']:>7} {row['failures']:>5} "
              f"{_ms(row['p50']):>6} {_ms(row['p95']):>6} {_ms(row['p99']):>6}")
    chat = report["chat"]
    print(f"\nchat: {chat['sent']} sent, {chat['acked']} acknowledged, {chat['deliveries']} deliveries to other "
          f"sockets, {chat['refused']} refused ({', '.join(f'{k} {v}' for k, v in chat['errors'].items()) or 'none'}), "
          f"{chat['reconnects']} reconnects, {chat['unacked']} never acknowledged")
    for reason in report.get("failure_reasons", []):
        print(f"failed: {reason}")
    print("responses by status: " + ", ".join(f"{k} {v}" for k, v in sorted(report["statuses"].items())))
    print(f"5xx responses: {report['server_errors']}" + (
        "  " + "; ".join(report["server_error_samples"]) if report["server_errors"] else ""))
    print("\ndaphne resident memory (MiB): start / middle / end")
    for name, samples in memory.items():
        print(f"  {name}: " + " / ".join("—" if s is None else f"{s:.0f}" for s in samples))


def _sample_memory(processes: list[Process], memory: dict, at: float, done: threading.Event) -> None:
    if not done.wait(at):
        for process in processes:
            memory[process.name].append(process.rss_mib())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long locust runs (default 5)")
    parser.add_argument("--users", type=int, default=40, help="simulated users (default 40)")
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="users started per second (default 2)")
    parser.add_argument("--processes", type=int, default=2, help="daphne processes (default 2)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS)
    parser.add_argument("--hosts", default="", help="drive these running servers instead of starting daphne")
    parser.add_argument("--plan", default="", help="with --hosts: a plan file written beforehand")
    parser.add_argument("--verbose", action="store_true", help="show locust's own output")
    args = parser.parse_args(argv)
    seconds = max(5, round(args.minutes * 60))
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    started: list[Process] = []
    try:
        if args.hosts:
            hosts = [host.rstrip("/") for host in args.hosts.split(",")]
            if not args.plan:
                raise SystemExit("--hosts needs --plan")
            plan_path = Path(args.plan)
        else:
            hosts = [f"http://127.0.0.1:{_free_port()}" for _ in range(args.processes)]
            prefix = f"bench-load-{uuid.uuid4().hex[:8]}"
            env = server_env(database_url=args.database_url, redis_url=args.redis_url, prefix=prefix, hosts=hosts)
            _ensure_database(args.database_url)
            print(f"database {args.database_url.rsplit('@', 1)[-1]}, redis {args.redis_url.rsplit('@', 1)[-1]}: "
                  "migrating, loading demo content, collecting static files…", flush=True)
            for command in (["migrate", "--no-input"], ["demo_content"], ["collectstatic", "--no-input"]):
                result = _manage(env, *command)
                if result.returncode:
                    raise SystemExit(f"manage.py {' '.join(command)} failed:\n{result.stdout[-3000:]}")
            os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL",
                                                   "CHANNEL_LAYER_PREFIX", "CACHE_KEY_PREFIX")})
            os.environ.setdefault("SECRET_KEY", env["SECRET_KEY"])
            os.environ["DEBUG"] = "0"
            os.environ["ALLOWED_HOSTS"] = env["ALLOWED_HOSTS"]
            import django

            django.setup()
            plan_path = work / "plan.json"
            plan_path.write_text(json.dumps(build_plan(hosts=hosts), ensure_ascii=False))
            daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
            for index, host in enumerate(hosts, start=1):
                port = host.rsplit(":", 1)[1]
                started.append(Process(f"daphne-{index}", [daphne, "-b", "127.0.0.1", "-p", port,
                                                           "community.asgi:application"], env, work))
            if _has_task_worker(env):
                started.append(Process("task-worker", [sys.executable, "manage.py", "db_worker"], env, work))
            else:
                print("(no background task worker in the project yet: none started)")
            for process, host in zip(started, hosts, strict=False):
                _wait_until_up(process, host)
        servers = [p for p in started if p.name.startswith("daphne")]
        memory: dict[str, list[float | None]] = {p.name: [p.rss_mib()] for p in servers}
        done = threading.Event()
        middle = threading.Thread(target=_sample_memory, args=(servers, memory, seconds / 2, done), daemon=True)
        middle.start()
        print(f"locust: {args.users} users over {', '.join(hosts)} for {seconds} s…", flush=True)
        report_path = work / "report.json"
        code = run_locust(plan_path=plan_path, report_path=report_path, users=args.users,
                          spawn_rate=args.spawn_rate, seconds=seconds, log_dir=work, quiet=not args.verbose)
        done.set()
        middle.join()
        for process in servers:
            if len(memory[process.name]) < 2:
                memory[process.name].append(None)
            memory[process.name].append(process.rss_mib())
        if not report_path.exists():
            print(f"locust wrote no report (exit {code}); its log: {work / 'locust.log'}")
            print((work / "locust.log").read_text()[-3000:])
            return 1
        report = json.loads(report_path.read_text())
        print_report(report, memory, seconds=seconds, users=args.users)
        for process in started:
            if process.process.poll() is not None:
                print(f"{process.name} died during the run (exit {process.process.returncode}): {process.log_path}")
                return 1
        if report["server_errors"]:
            print(f"FAILED: {report['server_errors']} responses were 5xx (server logs in {work})")
            return 1
        if report.get("failure_reasons"):
            print(f"(some requests failed: the servers' logs are kept in {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    finally:
        for process in started:
            process.stop()


if __name__ == "__main__":
    sys.exit(main())
