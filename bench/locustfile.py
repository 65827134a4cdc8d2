"""The load scenario (locust): shoppers browsing, searching, voting and posting over HTTP, and
chat users on websockets in product rooms and direct conversations.

Run it with ``python -m bench.load`` (which starts the servers and writes the plan); by hand:
``LOAD_PLAN=plan.json LOAD_REPORT=report.json locust -f bench/locustfile.py --headless …``.

* ``LOAD_PLAN``: JSON written by ``bench.load.build_plan`` — the servers' base URLs (users are
  spread over them, as a load balancer would), page URLs, review and answer ids, the accounts
  and their password, hot product rooms and direct conversations.
* ``LOAD_REPORT``: where the figures are written at the end (per endpoint p50/p95/p99, the
  responses by status class, 5xx samples, chat counters).

The generator plays the TLS-terminating proxy: every request carries ``X-Forwarded-Proto:
https`` and an ``Origin`` of ``https://<host>``, and cookies marked ``Secure`` are sent over the
loopback connection. A 5xx is a failure; a 4xx is the site refusing something (a locked vote,
a second answer, a rate limit) and is counted by status, not failed.

Chat latency: each ``send`` is timed to its ``ack`` (stored) and to its delivery on every other
socket in the room (``WS message latency``, a custom locust event, one per delivery).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import re
import time
import uuid
from collections import Counter
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

import gevent
import websocket
from gevent.lock import Semaphore
from locust import HttpUser, between, events, task

PLAN: dict = json.loads(Path(os.environ["LOAD_PLAN"]).read_text()) if os.environ.get("LOAD_PLAN") else {}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RUN = uuid.uuid4().hex[:6]

STATUSES: Counter = Counter()
SERVER_ERRORS: list[str] = []
CHAT: Counter = Counter()
CHAT_ERRORS: Counter = Counter()
SENT: dict[str, tuple[float, int]] = {}  # client_id -> (monotonic send time, id of the sending user)
_hosts = itertools.cycle(PLAN.get("hosts", ["http://127.0.0.1:8000"]))
_sessions: dict[str, dict[str, str]] = {}  # username -> cookies: each account logs in once per run
_login_locks: dict[str, Semaphore] = {}
_dm_slots = itertools.count()


# Send ``Secure`` cookies over the loopback connection: the generator stands in for the proxy
# that terminates TLS in front of the servers. (Class-wide: requests copies each session's jar
# into a fresh one with the default policy for every request; this process only load-tests.)
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


def _counted(response, name: str) -> None:
    """Classify a response: 5xx fails (and is sampled), anything else succeeds and is counted."""
    code = response.status_code
    STATUSES[f"{code // 100}xx" if code != 429 else "429"] += 1
    if code >= 500 or code == 0:
        SERVER_ERRORS.append(f"{code} {name}")
        response.failure(f"HTTP {code}")
    else:
        response.success()


class SiteUser(HttpUser):
    abstract = True
    wait_time = between(1, 4)
    username: str | None = None

    def on_start(self) -> None:
        self.base = next(_hosts)
        self.client.base_url = self.base
        self.origin = self.base.replace("http://", "https://")
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "ru"})

    # --- requests ------------------------------------------------------------------------------

    def get(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            _counted(response, name)
            return response.text if response.status_code == 200 else ""

    def post(self, path: str, data: dict, name: str, *, referer: str | None = None) -> int:
        headers = {"Origin": self.origin, "Referer": self.origin + (referer or path)}
        with self.client.post(path, data=data, name=name, headers=headers, allow_redirects=False,
                              catch_response=True) as response:
            _counted(response, name)
            return response.status_code

    def csrf(self, html: str) -> str:
        """The form's token (the page's own form), else the cookie's."""
        match = CSRF_INPUT.search(html)
        return match.group(1) if match else self.client.cookies.get("csrftoken", "")

    def log_in(self, username: str) -> bool:
        """Log in as ``username`` (once per account and run: later users share the session, so the
        run stays under allauth's per-IP log-in limit)."""
        self.username = username
        lock = _login_locks.setdefault(username, Semaphore())
        with lock:
            if username not in _sessions:
                html = self.get("/accounts/login/", "login form")
                status = self.post("/accounts/login/", {
                    "login": username, "password": PLAN["password"], "csrfmiddlewaretoken": self.csrf(html),
                }, "log in")
                sessionid = self.client.cookies.get("sessionid")
                if status != 302 or not sessionid:
                    CHAT_ERRORS[f"log-in {status}"] += 1
                    return False
                _sessions[username] = {"sessionid": sessionid, "csrftoken": self.client.cookies.get("csrftoken", "")}
        for key, value in _sessions[username].items():
            self.client.cookies.set(key, value)
        return True

    # --- browsing ------------------------------------------------------------------------------

    def home(self) -> None:
        self.get("/", "home")

    def category(self) -> None:
        if PLAN["categories"]:
            url = random.choice(PLAN["categories"])
            self.get(url + random.choice(["", "?sort=price", "?sort=new", "?page=2"]), "category")

    def product(self) -> str:
        return self.get(random.choice(PLAN["products"]), "product")

    def reviews(self) -> None:
        url = random.choice(PLAN["products"]) + "reviews/"
        self.get(url + random.choice(["", "?sort=new", "?stars=5", "?page=2"]), "product reviews")

    def question(self) -> None:
        if PLAN["questions"]:
            self.get(random.choice(PLAN["questions"]), "question")

    def profile(self) -> None:
        self.get(f"/users/{random.choice(PLAN['profiles'])}/", "profile")

    def search(self) -> None:
        self.get(f"/search/?q={random.choice(PLAN['search_terms'])}", "search")


class Browser(SiteUser):
    """An anonymous shopper reading the catalog, reviews, questions, profiles and searching."""

    weight = 6

    def on_start(self) -> None:
        super().on_start()
        self.home()  # where a visit starts (and so every run has home-page figures, however short)

    @task(2)
    def t_home(self) -> None:
        self.home()

    @task(3)
    def t_category(self) -> None:
        self.category()

    @task(5)
    def t_product(self) -> None:
        self.product()

    @task(3)
    def t_reviews(self) -> None:
        self.reviews()

    @task(3)
    def t_question(self) -> None:
        self.question()

    @task(1)
    def t_profile(self) -> None:
        self.profile()

    @task(2)
    def t_search(self) -> None:
        self.search()


class Member(SiteUser):
    """A signed-in shopper: browses, votes on reviews and answers, asks, answers, writes in a
    product's discussion through the no-JS form."""

    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.log_in(random.choice(PLAN["users"]))

    @task(3)
    def t_product(self) -> None:
        self.product()

    @task(2)
    def t_reviews(self) -> None:
        self.reviews()

    @task(2)
    def t_question(self) -> None:
        self.question()

    @task(1)
    def t_search(self) -> None:
        self.search()

    @task(1)
    def t_profile(self) -> None:
        self.profile()

    @task(3)
    def vote_on_a_review(self) -> None:
        candidates = [r for r in PLAN["reviews"] if r["author"] != self.username]
        if candidates:
            review = random.choice(candidates)["id"]
            html = self.get(f"/reviews/{review}/", "review")
            if html:
                self.post(f"/reviews/{review}/vote/", {
                    "vote": random.choice(["helpful", "helpful", "unhelpful", "withdraw"]),
                    "csrfmiddlewaretoken": self.csrf(html),
                }, "review vote", referer=f"/reviews/{review}/")

    @task(2)
    def vote_on_an_answer(self) -> None:
        candidates = [a for a in PLAN["answers"] if a["author"] != self.username]
        if candidates:
            answer = random.choice(candidates)
            html = self.get(answer["question"], "question")
            if html:
                self.post(f"/qa/answers/{answer['id']}/vote/", {
                    "value": random.choice(["1", "1", "-1", "0"]), "csrfmiddlewaretoken": self.csrf(html),
                }, "answer vote", referer=answer["question"])

    @task(1)
    def answer_a_question(self) -> None:
        if PLAN["questions"]:
            url = random.choice(PLAN["questions"])
            html = self.get(url, "question")
            if html:
                self.post(url, {"text": f"Пользуюсь полгода, доволен. ({RUN}-{uuid.uuid4().hex[:6]})",
                                "csrfmiddlewaretoken": self.csrf(html)}, "answer post")

    @task(1)
    def ask_a_question(self) -> None:
        url = random.choice(PLAN["products"]) + "questions/ask/"
        html = self.get(url, "ask form")
        if html:
            self.post(url, {"title": f"Как он держит заряд в поездке? {uuid.uuid4().hex[:6]}", "details": "",
                            "similar_checked": "1", "csrfmiddlewaretoken": self.csrf(html)}, "question post")

    @task(1)
    def chat_without_javascript(self) -> None:
        room = random.choice(PLAN["hot_rooms"])
        html = self.get(room["url"] + "chat/", "product discussion")
        if html:
            self.post(room["url"] + "chat/", {"body": "Кто-нибудь брал его недавно?",
                                              "client_id": f"form-{RUN}-{uuid.uuid4().hex[:10]}",
                                              "csrfmiddlewaretoken": self.csrf(html)}, "chat post (form)")


# --- websocket users -----------------------------------------------------------------------------


def _fire(name: str, started: float, length: int = 0, exception: Exception | None = None) -> None:
    events.request.fire(request_type="WS", name=name, response_time=(time.monotonic() - started) * 1000,
                        response_length=length, exception=exception, context={})


class ChatUser(SiteUser):
    """One browser tab's socket (``/ws/``) in one room: subscribes with ``since`` after a
    reconnect, as the page script does, and writes a message every few seconds."""

    abstract = True
    wait_time = between(3, 8)
    room = ""

    def on_start(self) -> None:
        super().on_start()
        self.ws: websocket.WebSocket | None = None
        self.reader = None
        self.last_id: int | None = None
        self.pending: dict[str, float] = {}
        self.signed_in = self.log_in(self.choose_account())
        self.connect()

    def choose_account(self) -> str:
        raise NotImplementedError

    def connect(self) -> None:
        url = self.base.replace("http://", "ws://") + "/ws/"
        started = time.monotonic()
        try:
            self.ws = websocket.create_connection(
                url, timeout=30, origin=self.origin,
                header=[f"Cookie: sessionid={_sessions.get(self.username, {}).get('sessionid', '')}"],
            )
            self.ws.send(json.dumps({"v": 1, "type": "subscribe", "room": self.room, "since": self.last_id}))
        except (OSError, websocket.WebSocketException) as error:
            _fire("connect + subscribe", started, exception=error)
            self.ws = None
            return
        self.subscribed_at = started
        self.reader = gevent.spawn(self.read)

    def read(self) -> None:
        ws = self.ws
        try:
            while True:
                text = ws.recv()
                if not text:
                    break
                self.on_frame(json.loads(text), len(text))
        except (OSError, websocket.WebSocketException, ValueError):
            pass
        if self.ws is ws:
            self.ws = None

    def on_frame(self, frame: dict, length: int) -> None:
        kind = frame.get("type")
        if kind == "history":
            if self.subscribed_at:
                _fire("connect + subscribe", self.subscribed_at, length)
                self.subscribed_at = 0.0
            for message in frame.get("messages", []):
                self.last_id = max(self.last_id or 0, message["id"])
        elif kind == "message" and "change" not in frame:
            message = frame["message"]
            self.last_id = max(self.last_id or 0, message["id"])
            sent = SENT.get(message.get("client_id") or "")
            if sent and sent[1] != id(self):
                CHAT["deliveries"] += 1
                _fire("message latency", sent[0], length)
        elif kind == "ack":
            started = self.pending.pop(frame.get("client_id"), None)
            if started is not None:
                CHAT["acked"] += 1
                _fire("send → ack", started, length)
        elif kind == "error":
            CHAT["refused"] += 1
            CHAT_ERRORS[frame.get("code", "?")] += 1
            self.pending.pop(frame.get("client_id"), None)

    @task
    def send(self) -> None:
        if self.ws is None:
            CHAT["reconnects"] += 1
            self.connect()
            return
        if not self.signed_in:
            return
        client_id = f"ld-{RUN}-{uuid.uuid4().hex[:12]}"
        now = time.monotonic()
        SENT[client_id] = (now, id(self))
        self.pending[client_id] = now
        try:
            self.ws.send(json.dumps({"v": 1, "type": "send", "room": self.room, "client_id": client_id,
                                     "body": f"Проверка связи {client_id[-6:]}"}, ensure_ascii=False))
            CHAT["sent"] += 1
        except (OSError, websocket.WebSocketException):
            self.pending.pop(client_id, None)
            self.ws = None

    def on_stop(self) -> None:
        gevent.sleep(0.5)  # let acknowledgements in flight arrive
        CHAT["unacked"] += len(self.pending)
        if self.ws is not None:
            ws, self.ws = self.ws, None
            with contextlib.suppress(OSError, websocket.WebSocketException):
                ws.close()
        if self.reader is not None:
            self.reader.kill(block=False)


class ProductRoomChatter(ChatUser):
    """Talks in one of the few hot product discussions (rooms shared by many sockets)."""

    weight = 2

    def choose_account(self) -> str:
        self.room = random.choice(PLAN["hot_rooms"])["room"]
        return random.choice(PLAN["users"])


class DirectMessenger(ChatUser):
    """One side of a direct conversation between two demo accounts."""

    weight = 1

    def choose_account(self) -> str:
        slot = next(_dm_slots)
        pair = PLAN["dm_pairs"][(slot // 2) % len(PLAN["dm_pairs"])]
        self.room = pair["room"]
        return pair["users"][slot % 2]


# --- the report ---------------------------------------------------------------------------------


@events.test_stop.add_listener
def write_report(environment, **_kwargs) -> None:
    path = os.environ.get("LOAD_REPORT")
    if not path:
        return

    def percentile(entry, p: float) -> float | None:
        return entry.get_response_time_percentile(p) if entry.num_requests else None

    rows = []
    for (name, method), entry in sorted(environment.stats.entries.items(), key=lambda item: (item[0][1], item[0][0])):
        rows.append({"type": method, "name": name, "count": entry.num_requests, "failures": entry.num_failures,
                     "p50": percentile(entry, 0.5), "p95": percentile(entry, 0.95), "p99": percentile(entry, 0.99)})
    Path(path).write_text(json.dumps({
        "requests": environment.stats.total.num_requests,
        "endpoints": rows,
        "statuses": dict(STATUSES),
        "server_errors": len(SERVER_ERRORS),
        "server_error_samples": SERVER_ERRORS[:10],
        # Why requests failed (a websocket that timed out, a refused handshake…), most frequent first.
        "failure_reasons": [f"{error.method} {error.name}: {error.error} ×{error.occurrences}" for error in
                            sorted(environment.stats.errors.values(), key=lambda e: -e.occurrences)[:10]],
        "chat": {"sent": CHAT["sent"], "acked": CHAT["acked"], "deliveries": CHAT["deliveries"],
                 "refused": CHAT["refused"], "reconnects": CHAT["reconnects"], "unacked": CHAT["unacked"],
                 "errors": dict(CHAT_ERRORS)},
    }, ensure_ascii=False, indent=1))
