"""A socket that stops reading is closed with 4008 once its write buffer has stayed full for
``CHAT_SLOW_READER_SECONDS`` (chat/server_options.py), counted in ``/chat/metrics/``, and
resumes from the last message it read; the other sockets are not held up by it.

The slow reader is a raw TCP socket with a small receive buffer that completes the websocket
handshake, subscribes and then reads nothing, on a real daphne process."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import time
import urllib.request

import pytest
from channels.db import database_sync_to_async

from tests import factories
from tests.chat.live import Client, cookies_for

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def _open_raw(server, key: str) -> socket.socket:
    """Handshake, subscribe to ``key``, and read nothing more."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    nonce = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {nonce}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Origin: {server.url}\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    payload = json.dumps({"v": 1, "type": "subscribe", "room": key}).encode()
    mask = os.urandom(4)
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    return sock


def _drain(sock: socket.socket, timeout: float = 10.0) -> tuple[list[dict], int | None]:
    """Everything the server sent, until it closed: the text frames and the close code."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    frames, code, at = [], None, 0
    while at + 2 <= len(data):
        opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
        at += 2
        if length == 126:
            (length,), at = struct.unpack(">H", data[at:at + 2]), at + 2
        elif length == 127:
            (length,), at = struct.unpack(">Q", data[at:at + 8]), at + 8
        payload, at = data[at:at + length], at + length
        if len(payload) < length:
            break
        if opcode == 0x1:
            frames.append(json.loads(payload))
        elif opcode == 0x8 and len(payload) >= 2:
            code = struct.unpack(">H", payload[:2])[0]
    return frames, code


def _slow_readers(server, cookie: str) -> int:
    request = urllib.request.Request(  # noqa: S310  (the test's own server)
        server.url + "/chat/metrics/", headers={"Cookie": f"sessionid={cookie}"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  (the test's own server)
        return json.loads(response.read())["hub"].get("slow_readers", 0)


def _watch_and_drain(server, cookie: str, sock: socket.socket, seconds: float) -> tuple[list[dict], int | None]:
    """Wait until the server has closed the slow socket, then read it (it has 10 s to reach the
    close frame before it is dropped)."""
    deadline = time.monotonic() + seconds
    while _slow_readers(server, cookie) == 0:
        assert time.monotonic() < deadline, "the slow reader was never closed"
        time.sleep(0.05)
    # Catch up fast: megabytes wait behind the close frame, and through a 4 KiB window a loaded
    # machine would not read them before the server drops the connection.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    return _drain(sock)


async def test_a_socket_that_stops_reading_is_closed_with_4008_and_resumes_from_its_last_message(
        servers, product, shopper):
    [server] = await asyncio.to_thread(servers, 1, {"CHAT_SLOW_READER_SECONDS": "3"})
    key = f"product:{product.pk}"
    staff = await database_sync_to_async(factories.UserFactory)(username="horatio", is_staff=True)
    writer_cookie, staff_cookie = await database_sync_to_async(cookies_for)(shopper, staff)
    slow = await asyncio.to_thread(_open_raw, server, key)
    reader = await Client(server).connect()
    writer = await Client(server, writer_cookie).connect()
    sent = []

    async def send(count: int) -> None:
        for n in range(count):  # pipelined: the acks come in order
            await writer.send(type="send", room=key, client_id=f"m-{len(sent) + n}", body="x" * 1900)
        for _ in range(count):
            sent.append((await writer.receive("ack", "error"))["id"])

    received: list[int] = []

    async def read_along() -> None:  # the other socket reads as it should, all along
        while True:
            received.append((await reader.receive("message", timeout=120))["message"]["id"])

    try:
        await reader.subscribe(key)
        reading = asyncio.ensure_future(read_along())
        watcher = asyncio.ensure_future(asyncio.to_thread(_watch_and_drain, server, staff_cookie, slow, 90))
        # Send until the server gives up on the slow socket (its buffer full for 3 s).
        while not watcher.done():
            await send(10)
            await asyncio.sleep(0.1)
        frames, code = await watcher
        await send(3)  # after the close: the slow socket can no longer get these
        assert code == 4008
        read = [f["message"]["id"] for f in frames if f["type"] == "message"]
        assert read == sent[:len(read)] and len(read) < len(sent)
        # The reading socket got every message, in order, all along.
        async with asyncio.timeout(60):
            while len(received) < len(sent) and not reading.done():
                await asyncio.sleep(0.05)
        reading.cancel()
        assert received == sent
        # Reconnected, the slow one resumes after the last message it read: nothing lost, nothing twice.
        resumed = await Client(server).connect()
        try:
            history = await resumed.subscribe(key, since=read[-1] if read else None)
        finally:
            await resumed.close()
        assert [m["id"] for m in history] == sent[len(read):]
    finally:
        if "reading" in locals():
            reading.cancel()
        slow.close()
        await reader.close()
        await writer.close()
