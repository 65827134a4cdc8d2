"""Reading the channel layer through its failures: ``LayerReader`` (used by the hub and by each
socket for its private groups). Its counters are the hub's (``chat.hub_stats``)."""

from __future__ import annotations

import asyncio
import logging

from chat.hub_stats import stats

logger = logging.getLogger("chat.fanout")  # the hub's log: one logger to configure

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0
#: Seconds the hub waits for its cancelled tasks to finish when its last socket leaves.
STOP_TIMEOUT_SECONDS = 5.0


def raise_if_cancelling(error: BaseException) -> None:
    """Re-raise as ``CancelledError`` an error caught in a task that is being cancelled.

    A library may turn the ``CancelledError`` thrown into its await into an error of its own
    (redis-py closes the connection and raises ``ConnectionError``, say): a retry loop that
    catches ``Exception`` would then swallow the cancellation and run forever, and whoever
    awaits the cancelled task — the hub stopping when its last socket leaves — would wait for
    ever. ``Task.cancelling()`` still counts the request, whatever the library raised.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error


class LayerReader:
    """``receive()`` from the channel layer that never raises a layer error: it retries with
    exponential backoff (0.5 s doubling to 10 s) until a read succeeds.

    A read can fail while Redis restarts, on a network blip, or (redis-py 8 with its default
    5 s socket timeout) on every idle read; none of these should close a user's socket. Each
    *incident* is logged once — a warning when reads start failing, one line when they work
    again, with the count — and ``on_recovered`` runs then (the hub refills from the database
    what the layer may have lost meanwhile).
    """

    def __init__(self, receive, *, who: str, on_recovered=None) -> None:
        self._receive = receive
        self.who = who
        self.on_recovered = on_recovered
        self.failures = 0  # consecutive failed reads of the current incident

    async def receive(self) -> dict:
        loop = asyncio.get_running_loop()
        delay = RETRY_FIRST_SECONDS
        while True:
            started = loop.time()
            try:
                message = await self._receive()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                raise_if_cancelling(error)
                stats["receive_errors"] += 1
                self.failures += 1
                if self.failures == 1:
                    logger.warning("chat: %s cannot read from the channel layer (%s: %s); retrying with backoff "
                                   "until it answers", self.who, type(error).__name__, error)
                # At most one attempt per ``delay``: a read that failed at once (Redis down) backs
                # off; one that failed after a long wait (a read timeout) is retried at once.
                elapsed = loop.time() - started
                if elapsed < delay:
                    await asyncio.sleep(delay - elapsed)
                    delay = min(delay * 2, RETRY_MAX_SECONDS)
                else:
                    delay = RETRY_FIRST_SECONDS
                continue
            if self.failures:
                logger.warning("chat: %s reads from the channel layer again after %d failed reads",
                               self.who, self.failures)
                self.failures = 0
                stats["receive_recoveries"] += 1
                if self.on_recovered is not None:
                    try:
                        await self.on_recovered()
                    except asyncio.CancelledError:
                        raise
                    except Exception as error:
                        raise_if_cancelling(error)
                        logger.exception("chat: %s could not resynchronize after a channel layer outage", self.who)
            return message
