"""How daphne treats websocket messages larger than it accepts.

daphne (through autobahn) refuses any websocket message over ``--websocket-max-message-size``
(1 MiB by default) — before the application sees it — and autobahn's default for a refusal is
to *drop the TCP connection* without a close frame (``failByDrop``), so the browser only sees
an abnormal closure (1006). The chat answers oversized frames up to that limit with an
``error`` frame and keeps the socket (``CHAT_MAX_FRAME_BYTES``, 8 KB); past it, this module makes
daphne close properly with **1009 (message too big)**, which the page script reports.

Applied from ``ChatConfig.ready()`` in a daphne process only (where daphne's server module is
already imported when the application loads, and builds its websocket factory afterwards).
"""

from __future__ import annotations

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
