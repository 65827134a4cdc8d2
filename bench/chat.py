"""Chat delivery under load: real daphne processes, the Redis channel layer, websocket clients.

``python -m bench.chat [--clients 100,1000] [--duration 20] [--warmup 2] [--workers 2] [--ports …] [--senders 10]
[--rate 1] [--ingest-senders 50] [--ingest-rate 200] [--overload-rate 1500] [--overload-queue 100]
[--client-procs 2] [--no-naive] [--database-url …] [--redis-url …]``

Scenarios: *fan-out* (below), *ingest* (10 readers; ``--ingest-senders`` writers sending
``--ingest-rate`` messages per second per process in all) and *overload* (the same writers at
``--overload-rate``, past what a process stores, with a small ``CHAT_SEND_QUEUE``: refusals
instead of silent delay). Per scenario: sends, acks, errors by code, sends without an answer
or answered twice, lost and duplicated deliveries, latency and ack p50/p95/p99, deliveries/s
and daphne CPU per delivery per process, and each process's counters (``/chat/metrics/``).

For each room size N: N reader sockets (anonymous, spread over the worker processes) in one
product room, and ``--senders`` signed-in writers posting ``--rate`` messages per second each
for ``--duration`` seconds, on loopback only, after ``--warmup`` seconds of the same load (its
messages are counted — lost, duplicated, answered — but not timed: a fresh process's first
connections, templates and caches are not its steady state). Printed per scenario: delivery
latency p50 / p95 / p99 (from the writer's send to a reader's receipt, so it includes the
database write), the
deliveries per second per worker process and the worker's CPU milliseconds per delivery, and
lost and duplicated deliveries. The same load then runs against a naive tutorial-style
consumer (``bench.naive_chat``: ``group_send`` to every socket, nothing stored) as the peer
line. Also printed: the writers' acknowledgement p99 (the message is stored), the daphne CPU
time per delivery (the efficiency of the fan-out, independent of how busy the machine is) and
the CPU the reader processes used. The load generator shares the machine with the servers,
so on a small or busy machine latency includes waiting for a CPU. Figures only: nothing
passes or fails.

The database is a SQLite file in ``test-artifacts/`` by default (migrated on first use), or
``--database-url`` (a PostgreSQL database is created if missing). Redis: ``--redis-url`` or
``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), with a unique key prefix per run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET = "bench-chat-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789"  # noqa: S105
SENDER_PREFIX = "bench-chat-sender-"
CLIENT_ID = re.compile(r'"client_id":\s*"([^"]+)"')
ACK = re.compile(r'"type":\s*"ack"')
# Readers match bytes (frames are not decoded: the load generator shares the machine).
CLIENT_ID_BYTES = re.compile(rb'"client_id":\s*"([^"]+)"')
MESSAGE_BYTES = re.compile(rb'"type":\s*"message"')
CONNECT_CONCURRENCY = 40


# --- set-up ------------------------------------------------------------------------------------


def _database(url: str | None) -> str:
    if not url:
        path = ROOT / "test-artifacts" / "bench-chat.sqlite3"
        path.parent.mkdir(exist_ok=True)
        return f"sqlite:///{path}"
    if url.startswith("postgres"):
        from urllib.parse import urlparse

        import psycopg

        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            exists = connection.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
            if not exists:
                connection.execute(f'create database "{name}"')
    return url


def _server_env(database_url: str, redis_url: str, prefix: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "community.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "DEBUG": "0",
        "SECRET_KEY": BENCH_SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "COMMUNITY_TESTING": "0",
        "LOG_LEVEL": "WARNING",
        # The writers send far more than a person may (the ingest and overload scenarios); the
        # default (10 / 10 s) would refuse them as rate_limited.
        "CHAT_RATE_LIMIT_MESSAGES": "1000000",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _prepare(database_url: str, senders: int) -> tuple[int, list[str], str]:
    """Migrate, create a product, the writers and a staff reader of the counters; return
    (product id, the writers' session cookies, the staff member's)."""
    env = _server_env(database_url, "", "bench")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--no-input"], cwd=ROOT, env=env, check=True)
    # The servers run with DEBUG off: hashed static names need the manifest (a fresh clone has none).
    subprocess.run([sys.executable, "manage.py", "collectstatic", "-v0", "--no-input"], cwd=ROOT, env=env, check=True)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "DEBUG",
                                           "ALLOWED_HOSTS", "COMMUNITY_TESTING", "SECURE_SSL_REDIRECT")})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from wagtail.models import Locale, Page, Site

    from community.catalog.models import CategoryPage, HomePage, ProductPage

    product = ProductPage.objects.filter(sku="BENCH-CHAT").first()
    if product is None:
        Locale.objects.get_or_create(language_code="ru")
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            Page.objects.filter(depth=2, slug="home").update(slug="wagtail-welcome")
            home = root.add_child(instance=HomePage(title="Сообщество", slug="home"))
            site = Site.objects.filter(is_default_site=True).first()
            if site:
                site.root_page = home
                site.save()
            else:
                Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
        category = home.add_child(instance=CategoryPage(title="Бенчмарк чата", slug=f"bench-chat-{uuid.uuid4().hex[:6]}"))
        product = category.add_child(instance=ProductPage(title="Ноутбук для бенчмарка", slug="bench-chat-laptop",
                                                          brand="ASUS", sku="BENCH-CHAT", price=Decimal("99990")))
    user_model = get_user_model()
    cookies = []
    staff, _created = user_model.objects.get_or_create(username=f"{SENDER_PREFIX}staff", defaults={"is_staff": True})
    for n in range(-1, senders):
        user = staff if n < 0 else user_model.objects.get_or_create(username=f"{SENDER_PREFIX}{n}")[0]
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(session.session_key)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Runs add tens of thousands of messages to one room within minutes, faster than
        # autovacuum re-reads the statistics: stale ones turn a history page's index scan into
        # a 20 ms sort, and 1,000 subscribes then outlast daphne's connect timeout.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE chat_message, chat_room, chat_membership")
    return product.pk, cookies[1:], cookies[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """One daphne process."""

    def __init__(self, app: str, env: dict, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.url = f"ws://127.0.0.1:{self.port}/ws/"
        self.origin = f"http://127.0.0.1:{self.port}"
        daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
        self.log = open(ROOT / "test-artifacts" / f"bench-chat-daphne-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen([daphne, "-v", "0", "-b", "127.0.0.1", "-p", str(self.port), app],
                                        cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                if "naive" in " ".join(self.process.args):
                    return
                urllib.request.urlopen(self.origin + "/robots.txt", timeout=2)  # noqa: S310 (loopback)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("daphne did not start")

    def metrics(self, staff_cookie: str) -> dict:
        """The process's chat counters (``/chat/metrics/``, staff only); {} for the naive peer."""
        if "naive" in " ".join(self.process.args):
            return {}
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.origin + "/chat/metrics/", headers={"Cookie": f"sessionid={staff_cookie}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
                return json.loads(response.read()).get("hub", {})
        except OSError:
            return {}

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# --- clients -----------------------------------------------------------------------------------


async def _connect(url: str, origin: str, cookie: str | None = None):
    from websockets.asyncio.client import connect

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    return await connect(url, origin=origin, additional_headers=headers, max_size=None, ping_interval=None,
                         open_timeout=60, close_timeout=1)


async def _readers(workers: list[tuple[str, str]], indexes: list[int], room: str, protocol: str,
                   ready, start_at, end_at) -> tuple[list[tuple[int, dict[str, float], int]], float]:
    """Open the readers, report them ready, then record each frame's client_id and arrival."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(index: int):
        url, origin = workers[index % len(workers)]
        async with gate:
            socket_ = await _connect(url, origin)
            await socket_.send(json.dumps({"v": 1, "type": "subscribe", "room": room, "since": None}))
            if protocol == "community":
                while '"type":"history"' not in await socket_.recv():
                    pass
        return index, socket_

    sockets = await asyncio.gather(*(open_one(index) for index in indexes))
    ready.put(len(sockets))
    while start_at.value == 0:
        await asyncio.sleep(0.05)
    cpu_before = time.process_time()

    async def read(index: int, socket_) -> tuple[int, dict[str, float], int]:
        seen: dict[str, float] = {}
        duplicates = 0
        while True:
            remaining = end_at.value - time.time()
            if remaining <= 0:
                break
            try:
                frame = await asyncio.wait_for(socket_.recv(decode=False), timeout=remaining)
            except Exception:  # the deadline passed, or the socket closed
                break
            arrived = time.time()
            match = CLIENT_ID_BYTES.search(frame)
            if match and MESSAGE_BYTES.search(frame):
                client_id = match.group(1).decode()
                if client_id in seen:
                    duplicates += 1
                else:
                    seen[client_id] = arrived
        await socket_.close()
        return index % len(workers), seen, duplicates

    rows = await asyncio.gather(*(read(index, socket_) for index, socket_ in sockets))
    return rows, time.process_time() - cpu_before


def _reader_process(workers, indexes, room, protocol, ready, start_at, end_at, results) -> None:
    results.put(asyncio.run(_readers(workers, indexes, room, protocol, ready, start_at, end_at)))


async def _writers(workers: list[tuple[str, str]], cookies: list[str], room: str, protocol: str, rate: float,
                   duration: float, start: float, tag: str, measured_from: float | None = None) -> dict:
    """Each writer sends ``rate`` messages a second from ``start`` for ``duration`` seconds
    (without waiting for answers). Returns the send times of the acknowledged messages (all, and
    those sent from ``measured_from``: the warm-up's are counted, not timed), the acknowledgement
    latencies of the timed ones, the number of sends, of answers per send (acks and errors) and
    the errors by code."""
    measured_from = start if measured_from is None else measured_from
    sent: dict[str, float] = {}
    acked: dict[str, float] = {}
    answers: dict[str, int] = {}
    errors: dict[str, int] = {}

    async def writer(number: int, cookie: str) -> None:
        url, origin = workers[number % len(workers)]
        socket_ = await _connect(url, origin, cookie)

        async def read_answers() -> None:
            try:
                async for frame in socket_:
                    if '"ack"' not in frame and '"error"' not in frame:
                        continue
                    data = json.loads(frame)
                    client_id = data.get("client_id")
                    if data["type"] == "ack":
                        acked[client_id] = time.time()
                    elif data["type"] == "error":
                        errors[data.get("code", "?")] = errors.get(data.get("code", "?"), 0) + 1
                    else:
                        continue
                    answers[client_id] = answers.get(client_id, 0) + 1
            except Exception:  # noqa: S110  (closed at the end)
                pass

        reader = asyncio.ensure_future(read_answers()) if protocol == "community" else None
        interval = 1 / rate
        moment = start + number * interval / len(cookies)
        sequence = 0
        while moment < start + duration:
            await asyncio.sleep(max(0.0, moment - time.time()))
            client_id = f"{tag}-{number}-{sequence}"
            sent[client_id] = time.time()
            # A line as people write them: long enough (six words and more) to be fingerprinted by
            # the moderation's "same text across accounts" check, as most real messages are.
            body = f"Сообщение {sequence} от писателя {number}: как вам этот товар, стоит брать?"
            await socket_.send(json.dumps({"v": 1, "type": "send", "room": room, "client_id": client_id,
                                           "body": body}, ensure_ascii=False))
            sequence += 1
            moment += interval
        await asyncio.sleep(5)
        if reader:
            reader.cancel()
        await socket_.close()

    await asyncio.gather(*(writer(n, cookie) for n, cookie in enumerate(cookies)))
    timed = {client_id for client_id, t in sent.items() if t >= measured_from}
    if protocol != "community":
        return {"delivered_from": sent, "timed": timed, "ack_ms": [], "sends": len(sent), "acks": len(sent),
                "errors": {}, "unanswered": 0, "answered_twice": 0}
    return {
        "delivered_from": {client_id: t for client_id, t in sent.items() if client_id in acked},
        "timed": timed,
        "ack_ms": [(acked[client_id] - t) * 1000 for client_id, t in sent.items()
                   if client_id in acked and client_id in timed],
        "sends": len(sent), "acks": len(acked), "errors": errors,
        "unanswered": sum(1 for client_id in sent if client_id not in answers),
        "answered_twice": sum(1 for count in answers.values() if count > 1),
    }


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _scenario(name: str, protocol: str, workers: list[Worker], clients: int, cookies: list[str], room: str,
              args, rate: float, staff_cookie: str) -> dict:
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    start_at, end_at = context.Value("d", 0.0), context.Value("d", 0.0)
    endpoints = [(w.url, w.origin) for w in workers]
    procs = max(1, min(args.client_procs, clients))
    groups = [list(range(clients))[n::procs] for n in range(procs)]
    processes = [context.Process(target=_reader_process, args=(endpoints, group, room, protocol, ready, start_at,
                                                               end_at, results), daemon=True) for group in groups]
    began = time.time()
    for process in processes:
        process.start()
    connected = sum(ready.get(timeout=300) for _ in processes)
    connect_seconds = time.time() - began
    cpu_before = [w.cpu_seconds() for w in workers]
    start = time.time() + 1.0
    window = args.warmup + args.duration
    end_at.value = start + window + 5.0
    start_at.value = start
    written = asyncio.run(_writers(endpoints, cookies, room, protocol, rate, window, start,
                                   f"{protocol[0]}{uuid.uuid4().hex[:6]}", measured_from=start + args.warmup))
    sent, ack_latencies, timed = written["delivered_from"], written["ack_ms"], written["timed"]
    returned = [results.get(timeout=120) for _ in processes]
    collected = [item for rows, _cpu in returned for item in rows]
    reader_cpu = sum(cpu for _rows, cpu in returned)
    cpu = [w.cpu_seconds() - before for w, before in zip(workers, cpu_before, strict=True)]
    for process in processes:
        process.join(timeout=10)
    counters = [w.metrics(staff_cookie) for w in workers]

    latencies: list[float] = []
    per_worker = [0] * len(workers)
    lost = duplicates = 0
    for worker_index, seen, dups in collected:
        duplicates += dups
        per_worker[worker_index] += len(seen)
        for client_id, sent_at in sent.items():
            arrived = seen.get(client_id)
            if arrived is None:
                lost += 1
            elif client_id in timed:
                latencies.append((arrived - sent_at) * 1000)
    return {
        "name": name, "clients": connected, "sends": written["sends"], "acks": written["acks"],
        "errors": written["errors"], "unanswered": written["unanswered"], "answered_twice": written["answered_twice"],
        "counters": counters, "senders": len(cookies), "rate": rate,
        "sent": len(sent), "deliveries": len(latencies), "lost": lost,
        "duplicates": duplicates, "p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95),
        "p99": _percentile(latencies, 0.99), "per_worker": [n / window for n in per_worker],
        "cpu_ms": [1000 * c / max(1, n) for c, n in zip(cpu, per_worker, strict=True)],
        "connect_seconds": connect_seconds, "ack_p50": _percentile(ack_latencies, 0.5),
        "ack_p99": _percentile(ack_latencies, 0.99), "reader_cpu": reader_cpu / (args.duration + 5.0),
    }


def _print(row: dict) -> None:
    rates = " / ".join(f"{r:,.0f}" for r in row["per_worker"])
    cpu = " / ".join(f"{c:.3f}" for c in row["cpu_ms"])
    errors = ", ".join(f"{code} {count}" for code, count in sorted(row["errors"].items())) or "none"
    print(f"{row['name']}: {row['clients']} readers, {row['senders']} writers × {row['rate']:g} msg/s", flush=True)
    print(f"  sends {row['sends']}, acks {row['acks']}, errors by code: {errors}; without an answer "
          f"{row['unanswered']}, answered twice {row['answered_twice']}", flush=True)
    print(f"  deliveries {row['deliveries']} (of acknowledged messages), lost {row['lost']}, duplicated "
          f"{row['duplicates']}; latency p50 {row['p50']:.1f} / p95 {row['p95']:.1f} / p99 {row['p99']:.1f} ms; "
          f"ack p50 {row['ack_p50']:.1f} / p99 {row['ack_p99']:.1f} ms", flush=True)
    print(f"  deliveries/s per process {rates}; daphne CPU ms per delivery {cpu}; readers' CPU "
          f"{row['reader_cpu']:.2f} s/s; sockets connected in {row['connect_seconds']:.1f} s", flush=True)
    for number, counted in enumerate(row["counters"]):
        if counted:
            print(f"  process {number + 1} counters: stored {counted.get('sends_stored', 0)} in "
                  f"{counted.get('send_batches', 0)} batches, refused (overloaded) {counted.get('sends_refused', 0)}, "
                  f"layer gaps {counted.get('gaps', 0)} "
                  f"(refilled {counted.get('refilled', 0)}), reordered {counted.get('reordered', 0)}, duplicates "
                  f"ignored {counted.get('duplicates', 0)}, slow readers closed {counted.get('slow_readers', 0)}",
                  flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chat", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="100,1000", help="reader sockets per fan-out scenario (comma-separated)")
    parser.add_argument("--duration", type=float, default=20, help="seconds of sending per scenario, timed")
    parser.add_argument("--warmup", type=float, default=2,
                        help="seconds of sending at the same rate before the timed ones (counted, not timed)")
    parser.add_argument("--workers", type=int, default=2, help="daphne processes")
    parser.add_argument("--ports", default="", help="the daphne processes' ports (comma-separated; default: free ones)")
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1.0, help="messages per second per sender")
    parser.add_argument("--ingest-senders", type=int, default=50, help="writers of the ingest and overload scenarios")
    parser.add_argument("--ingest-rate", type=float, default=200.0,
                        help="messages per second per daphne process in the ingest scenario (0: skip it)")
    parser.add_argument("--overload-rate", type=float, default=1500.0,
                        help="messages per second per daphne process in the overload scenario (0: skip it)")
    parser.add_argument("--overload-queue", type=int, default=100,
                        help="CHAT_SEND_QUEUE of the overload scenario (per process)")
    parser.add_argument("--client-procs", type=int, default=2, help="processes running the reader sockets")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive peer line")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    args = parser.parse_args(argv)

    try:
        import redis

        redis.Redis.from_url(args.redis_url, socket_connect_timeout=2).ping()
    except Exception as error:  # a benchmark that cannot run says why and stops
        print(f"bench.chat: Redis is not reachable at {args.redis_url} ({error}); skipped")
        return

    database_url = _database(args.database_url)
    writers_needed = max(args.senders, args.ingest_senders)
    product_id, all_cookies, staff_cookie = _prepare(database_url, writers_needed)
    room = f"product:{product_id}"
    ports = [int(port) for port in args.ports.split(",") if port.strip()] or [None] * args.workers
    sizes = [int(size) for size in args.clients.split(",") if size.strip()]
    print(f"bench.chat: {args.workers} daphne workers, Redis {args.redis_url}, database {database_url.split('@')[-1]}; "
          f"{args.warmup:g} s of warm-up and {args.duration:g} s of timed sending per scenario; readers in {args.client_procs} client processes on this "
          f"machine ({os.cpu_count()} CPUs)", flush=True)
    community = ("community /ws/ (stored, hub)", "community", "community.asgi:application")
    scenarios = []  # (label, protocol, app, readers, writers' cookies, rate per writer, extra env)
    for clients in sizes:
        scenarios.append((f"fan-out, {community[0]}", *community[1:], clients, all_cookies[:args.senders], args.rate, {}))
        if not args.no_naive:
            scenarios.append(("fan-out, naive group_send (tutorial)", "naive", "bench.naive_chat:application", clients,
                              all_cookies[:args.senders], args.rate, {}))
    ingest_cookies = all_cookies[:args.ingest_senders]
    if args.ingest_rate:
        scenarios.append((f"ingest at {args.ingest_rate:g} msg/s per process", *community[1:], 10, ingest_cookies,
                          args.ingest_rate * args.workers / len(ingest_cookies), {}))
    if args.overload_rate:
        scenarios.append((f"overload at {args.overload_rate:g} msg/s per process (queue {args.overload_queue})",
                          *community[1:], 10, ingest_cookies, args.overload_rate * args.workers / len(ingest_cookies),
                          {"CHAT_SEND_QUEUE": str(args.overload_queue)}))
    for label, protocol, app, clients, cookies, rate, extra in scenarios:
        prefix = f"bench-chat-{uuid.uuid4().hex[:8]}"
        env = {**_server_env(database_url, args.redis_url, prefix), **extra}
        workers = [Worker(app, env, port) for port in ports[:args.workers]]
        try:
            for worker in workers:
                worker.wait_ready()
            _print(_scenario(label, protocol, workers, clients, cookies, room, args, rate, staff_cookie))
        except Exception as error:  # report and go on with the next scenario
            print(f"{label}: {clients} readers: failed: {error!r}", flush=True)
        finally:
            for worker in workers:
                worker.stop()
            _flush_prefix(args.redis_url, prefix)
    print("Budget (DESIGN.md §4): 1,000 sockets over 2 workers: p99 ≤ 250 ms, 0 lost or duplicated; ingest ≥ 500 "
          "msg/s per process with ack p99 ≤ 100 ms; past capacity every send gets an ack or an `overloaded` error.")


def _flush_prefix(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    for key in client.scan_iter(match=f":*:{prefix}*", count=1000):
        client.delete(key)


if __name__ == "__main__":
    main(sys.argv[1:])


__all__ = ["main", "statistics"]
