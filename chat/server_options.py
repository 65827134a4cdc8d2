"""How daphne treats websocket messages larger than it accepts, and readers too slow for what
the chat sends them.

**Oversized messages.**
daphne (through autobahn) refuses any websocket message over ``--websocket-max-message-size``
(1 MiB by default) — before the application sees it — and autobahn's default for a refusal is
to *drop the TCP connection* without a close frame (``failByDrop``), so the browser only sees
an abnormal closure (1006). The chat answers oversized frames up to that limit with an
``error`` frame and keeps the socket (``CHAT_MAX_FRAME_BYTES``, 8 KB); past it, this module makes
daphne close properly with **1009 (message too big)**, which the page script reports.

**Slow readers.** Twisted keeps what a socket cannot take yet in the connection's write buffer,
without bound: a client that stops reading (a frozen tab, a dead link the kernel has not noticed
yet) grows its process's memory by every message of its rooms. Twisted asks the connection's
streaming producer to pause when that buffer fills (64 KiB, on top of the kernel's socket
buffer) and to resume once it drains. :func:`disconnect_slow_readers` registers a guard there:
a socket still paused ``CHAT_SLOW_READER_SECONDS`` later is closed with **4008 (slow reader)**
— nothing more is buffered for it; it has 10 s to read its way to the close frame, then the
connection is dropped — and counted (``slow_readers`` in ``/chat/metrics/``). The
page script reconnects and resumes from the last message it has, as after any drop.

Both are applied from ``ChatConfig.ready()`` in a daphne process only (where daphne's server module is
already imported when the application loads, and builds its websocket factory afterwards).
"""

from __future__ import annotations

import contextlib
import socket
import sys


def close_oversized_messages_with_1009() -> bool:
    """Make daphne's websocket factory fail connections with a close frame (1009 for a message
    over the size limit) instead of dropping them. Returns True when applied (idempotent)."""
    if "daphne.ws_protocol" not in sys.modules:
        return False
    from daphne.ws_protocol import WebSocketFactory

    if getattr(WebSocketFactory, "_fails_with_close_frame", False):
        return True
    set_options = WebSocketFactory.setProtocolOptions

    def setProtocolOptions(self, *args, **kwargs):  # noqa: N802  (autobahn's name)
        kwargs.setdefault("failByDrop", False)
        return set_options(self, *args, **kwargs)

    WebSocketFactory.setProtocolOptions = setProtocolOptions
    WebSocketFactory._fails_with_close_frame = True
    return True


SLOW_READER_CLOSE_CODE = 4008
CLOSE_GRACE_SECONDS = 10.0


class SlowReaderGuard:
    """The streaming producer of one websocket's connection (see the module's docstring): it
    passes pause and resume on to the producer it replaces (daphne's HTTP channel, which stops
    reading from the client meanwhile) and closes the socket if the pause lasts."""

    def __init__(self, protocol, inner, seconds: float) -> None:
        self.protocol, self.inner, self.seconds = protocol, inner, seconds
        self.timer = None
        self.closed = False

    def pauseProducing(self) -> None:  # noqa: N802  (Twisted's IPushProducer)
        if self.inner is not None:
            self.inner.pauseProducing()
        if self.timer is None and not self.closed:
            from twisted.internet import reactor

            self.timer = reactor.callLater(self.seconds, self.expire)

    def resumeProducing(self) -> None:  # noqa: N802
        self._cancel()
        if self.inner is not None:
            self.inner.resumeProducing()

    def stopProducing(self) -> None:  # noqa: N802
        self._cancel()
        if self.inner is not None:
            self.inner.stopProducing()

    def _cancel(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    def expire(self) -> None:
        """Still paused: close with 4008 (the close frame waits behind what is buffered; the
        connection is dropped if the client does not answer it in time)."""
        import logging

        from chat.hub_stats import stats

        self.timer = None
        self.closed = True
        stats["slow_readers"] += 1
        logging.getLogger("chat.server").warning(
            "chat: closing a websocket that has not read what it was sent for %.0f s (slow reader)", self.seconds)
        # The client gets CLOSE_GRACE_SECONDS (or as long as it had to catch up, if longer) to
        # read its way to the close frame — autobahn's default is 1 s, after which it would see
        # only a dropped connection; nothing more is buffered for it meanwhile. Then it is dropped.
        grace = max(self.seconds, CLOSE_GRACE_SECONDS)
        self.protocol.closeHandshakeTimeout = grace
        self.protocol.sendClose(code=SLOW_READER_CLOSE_CODE, reason="slow reader")
        transport = self.protocol.transport
        if transport is not None:
            from twisted.internet import reactor

            reactor.callLater(grace + 1.0, _abort, transport)


def _abort(transport) -> None:
    if getattr(transport, "connected", False):
        transport.abortConnection()


def disconnect_slow_readers() -> bool:
    """Guard every websocket daphne opens against slow readers (see the module's docstring).
    Returns True when applied (idempotent); ``CHAT_SLOW_READER_SECONDS`` of 0 turns it off."""
    from django.conf import settings

    if "daphne.ws_protocol" not in sys.modules or not settings.CHAT_SLOW_READER_SECONDS:
        return False
    from daphne.ws_protocol import WebSocketProtocol

    if getattr(WebSocketProtocol, "_guards_slow_readers", False):
        return True
    on_open = WebSocketProtocol.onOpen

    def onOpen(self):  # noqa: N802  (autobahn's name)
        on_open(self)
        transport = self.transport
        if transport is None or not hasattr(transport, "registerProducer"):
            return
        # A fixed send buffer (the kernel would otherwise grow it to megabytes for a socket that
        # does not read), so that "full" comes soon and stays full: what one socket may hold is
        # bounded by it and the 64 KiB Twisted keeps on top.
        handle = transport.getHandle() if hasattr(transport, "getHandle") else None
        if handle is not None and settings.CHAT_SOCKET_SEND_BUFFER:
            with contextlib.suppress(OSError):
                handle.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, settings.CHAT_SOCKET_SEND_BUFFER)
        inner = getattr(transport, "producer", None)
        if inner is not None:
            transport.unregisterProducer()
        transport.registerProducer(SlowReaderGuard(self, inner, settings.CHAT_SLOW_READER_SECONDS), True)

    WebSocketProtocol.onOpen = onOpen
    WebSocketProtocol._guards_slow_readers = True
    return True
