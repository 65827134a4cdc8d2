"""The production shape over real daphne processes: ``DEBUG=0`` static files, and a database
that goes away and comes back."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.conftest import ROOT, DaphneServer, database_url_for, free_port

pytestmark = pytest.mark.server

PRODUCTION = {
    "DEBUG": "0",
    "COMMUNITY_TESTING": "0",  # the production storage for static files (hashed names)
    "SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-test",
    "SECURE_SSL_REDIRECT": "0",  # plain http on the loopback; the proxy's header marks https
    "SERVE_FILES": "0",
}


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310  (local server)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_debug_off_without_collectstatic_refuses_to_start_with_a_clear_message(transactional_db, tmp_path):
    server = DaphneServer(env_extra={**PRODUCTION, "STATIC_ROOT": str(tmp_path)})
    with pytest.raises(RuntimeError) as failed:
        server.start(timeout=60)
    message = str(failed.value)
    assert "daphne exited early" in message
    assert "staticfiles.json" in message and "collectstatic" in message


def test_debug_off_after_collectstatic_serves_pages_error_pages_and_security_headers(page_tree, transactional_db,
                                                                                     tmp_path):
    env = {**os.environ, **PRODUCTION, "STATIC_ROOT": str(tmp_path), "DATABASE_URL": database_url_for(connection.settings_dict)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=300)
    server = DaphneServer(env_extra={**PRODUCTION, "STATIC_ROOT": str(tmp_path)}).start(timeout=60)
    https = {"X-Forwarded-Proto": "https"}
    try:
        status, headers, body = fetch(server.url + page_tree["products"][0].url, https)
        assert status == 200
        assert 'href="/static/css/site.' in body and ".css" in body  # a hashed name from the manifest
        assert "max-age=" in headers["Strict-Transport-Security"]
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        status, headers, body = fetch(server.url + "/no-such-page/", https)
        assert status == 404 and "Страница не найдена" in body
        status, headers, body = fetch(server.url + "/accounts/login/", https)
        assert status == 200
        cookie = headers["Set-Cookie"]
        assert "csrftoken=" in cookie and "Secure" in cookie
    finally:
        server.stop()


# --- the database goes away ---------------------------------------------------------------------


class TcpProxy:
    """A TCP proxy on a free loopback port to the database: ``cut()`` closes every connection
    and refuses new ones (the database is unreachable), ``restore()`` accepts again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not (Linux).
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self.lock:
            for sock in self.connections:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed by cut()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.connections += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def wait_for(url: str, status: int, headers: dict | None = None, timeout: float = 30) -> tuple[int, dict, str]:
    deadline = time.monotonic() + timeout
    while True:
        answer = fetch(url, headers)
        if answer[0] == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.3)


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="needs PostgreSQL (DATABASE_URL=postgres://…): SQLite is a file in the same "
                           "process and cannot become unreachable")
def test_pages_answer_503_while_the_database_is_unreachable_and_recover_without_a_restart(page_tree,
                                                                                           transactional_db):
    settings_dict = connection.settings_dict
    proxy = TcpProxy((settings_dict.get("HOST") or "127.0.0.1", int(settings_dict.get("PORT") or 5432)))
    proxy.restore()
    url = database_url_for(settings_dict).replace(f":{settings_dict.get('PORT') or 5432}/", f":{proxy.port}/")
    # Persistent connections as in production, so a cut also breaks a connection in use.
    server = DaphneServer(env_extra={"DATABASE_URL": url, "COMMUNITY_TESTING": "0"}).start()
    product_url = server.url + page_tree["products"][0].url
    try:
        assert fetch(product_url)[0] == 200
        proxy.cut()
        for _ in range(3):  # the broken persistent connection, then refused new ones
            status, headers, body = fetch(product_url)
            assert status == 503, body[:500]
            assert headers["Retry-After"] == "30"
            assert "Сайт временно недоступен" in body
        status, headers, body = fetch(product_url, {"Cookie": "lang=en"})
        assert status == 503 and "The site is temporarily unavailable" in body
        status, headers, body = fetch(server.url + "/qa/similar/?product=1&q=x", {"Accept": "application/json"})
        assert status == 503 and "error" in body
        proxy.restore()
        status, _headers, body = wait_for(product_url, 200)
        assert status == 200, body[:500]
        assert page_tree["products"][0].title in body
    finally:
        server.stop()
        proxy.cut()
