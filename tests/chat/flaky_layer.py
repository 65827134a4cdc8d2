"""A channel layer whose reads fail on demand — the project's configured layer (Redis when
``REDIS_URL`` is set, in-memory otherwise) with real exceptions raised from ``receive()``, as a
restarting Redis or a read timeout raises them."""

from __future__ import annotations

import os

from channels.layers import InMemoryChannelLayer

if os.environ.get("REDIS_URL"):
    from channels_redis.core import RedisChannelLayer as Base
    from redis.exceptions import ConnectionError as ReadError
else:
    Base = InMemoryChannelLayer
    ReadError = ConnectionError


class FlakyLayer(Base):
    """``fail_reads = n``: the next n reads fail — a read that is waiting fails when its message
    arrives (the message is lost, as a layer loses it), a read that starts fails at once."""

    fail_reads = 0
    failed = 0
    fails = staticmethod(lambda channel: True)  # which channels' reads fail

    async def receive(self, channel):
        self._maybe_fail(channel)
        message = await super().receive(channel)
        self._maybe_fail(channel)
        return message

    def _maybe_fail(self, channel: str) -> None:
        if self.fail_reads > 0 and self.fails(channel):
            self.fail_reads -= 1
            self.failed += 1
            raise ReadError("injected: reading from the channel layer failed")
