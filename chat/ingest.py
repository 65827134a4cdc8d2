"""Storing what sockets send: a bounded queue per process and one writer that stores the pending
sends in batches, one transaction each (group commit).

Why: every send used to be one transaction (and one commit) in the process's one database
thread, behind history loads and refills; past a few dozen messages a second the sends queued
there without bound, were stored minutes later and were never answered. Now:

* **Bounded and refused, never silent.** At most ``CHAT_SEND_QUEUE`` sends wait per process; a
  send that finds the queue full, or that the writer has not taken within
  ``CHAT_SEND_DEADLINE_SECONDS``, is refused with ``ChatError("overloaded")`` (the socket sends
  ``error {code: "overloaded", retry_after}``) and is **never stored later**: the writer takes
  only sends still pending, and a refused one is no longer pending (both happen on the event
  loop, so there is no race). A send the writer has taken is answered when its batch commits
  (an ``ack``, or the error of that one message). Every send gets exactly one answer.
* **Group commit.** The writer takes up to ``CHAT_SEND_BATCH`` pending sends (fewer when the
  running time per send says a full batch would outlast half the deadline) and stores them in
  one transaction, committed once. The sends to one product room or to the lounge are stored
  together (``chat.services.message_post_many``: each checked alone — a mute, the rate limit or
  bad text refuses only that send —, then one insert for the accepted ones, with the room locked);
  direct and ticket sends go one by one through ``chat.services.message_post``, each in its own
  savepoint. Per-room order, ids and ``client_id`` idempotency are those of ``message_post``;
  broadcasts go out after the commit, in order. The senders are answered first: the batch's
  broadcasts (each message rendered in every UI language) are built after the acks, in the
  writer's thread, and sent before the next batch — an ``ack`` waits for the commit only.

* **A thread and a connection of its own.** The writer stores in a thread of its own, not the
  process's shared database thread (``database_sync_to_async``), so sends never wait behind
  history loads, subscribes and log-ins. That thread keeps its database connection while sends
  keep coming and closes it after ``CHAT_WRITER_IDLE_SECONDS`` without any: a busy room's batches
  no longer pay a connect each (4 ms on PostgreSQL), and an idle process holds no connection.
  A batch that fails on a kept connection (the database restarted meanwhile) is retried once on
  a new one; nothing of a failed batch was stored (one transaction), and ``client_id`` makes a
  message stored by an unanswered commit come back with its id, not twice.

Counters (``chat.hub_stats.stats``): ``sends`` (submitted), ``sends_stored``, ``sends_refused`` (overloaded),
``send_batches``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
import weakref
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import translation

from chat import broadcast, rooms, services
from chat.errors import ChatError
from chat.hub_stats import stats
from chat.models import RoomKind
from chat.permissions import can_enter_lounge

logger = logging.getLogger("chat.ingest")

PENDING, TAKEN, REFUSED = "pending", "taken", "refused"


class Overloaded(ChatError):
    """The process cannot store this send in time: refused, not stored, retry after a while."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("overloaded")
        self.fields = {"retry_after": retry_after}


@dataclass(eq=False)
class PendingSend:
    user: object
    key: str
    body: str
    client_id: str
    language: str
    future: asyncio.Future
    state: str = PENDING
    queued_at: float = field(default_factory=time.monotonic)


class Ingest:
    """The process's (event loop's) send queue and its writer task."""

    def __init__(self) -> None:
        self.pending: deque[PendingSend] = deque()
        self.wakeup = asyncio.Event()
        self.writer: asyncio.Task | None = None
        self.in_flight = 0  # sends of the batch being stored
        self.seconds_per_send = 0.005  # a running estimate, for ``retry_after``
        # The writer's thread: its database connection is its own (Django's are per thread).
        self.executor = _writer_executor()

    async def in_writer_thread(self, function, *args):
        """``function(*args)`` in the writer's thread (with the writer's database connection)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, functools.partial(function, *args))

    def retry_after(self) -> int:
        """Whole seconds after which the queue as it is now should have drained (at least 1)."""
        return max(1, math.ceil(len(self.pending) * self.seconds_per_send))

    def batch_limit(self) -> int:
        """How many sends the next batch takes: ``CHAT_SEND_BATCH``, fewer when sends are slow to
        store, so that a batch takes about half the deadline (the sends behind it are answered,
        or refused, in time)."""
        fitting = int(0.5 * settings.CHAT_SEND_DEADLINE_SECONDS / max(self.seconds_per_send, 1e-4))
        return max(1, min(settings.CHAT_SEND_BATCH, fitting))

    def refuse(self) -> Overloaded:
        """Count a refused send; the error to raise."""
        stats["sends_refused"] += 1
        return Overloaded(self.retry_after())

    async def submit(self, *, user, key: str, body: str, client_id: str, language: str) -> int:
        """Store the message (through the writer) and return its id, or raise: ``Overloaded``
        (not stored, and never will be), the message's own ``ChatError``, or a database error."""
        stats["sends"] += 1
        if len(self.pending) >= settings.CHAT_SEND_QUEUE:
            raise self.refuse()
        loop = asyncio.get_running_loop()
        item = PendingSend(user, key, body, client_id, language, loop.create_future())
        self.pending.append(item)
        self.wakeup.set()
        if self.writer is None or self.writer.done():
            self.writer = loop.create_task(self._write())
        try:
            return await asyncio.wait_for(asyncio.shield(item.future), settings.CHAT_SEND_DEADLINE_SECONDS)
        except TimeoutError:
            if item.state == PENDING:
                self._withdraw(item)
                raise self.refuse() from None
            return await item.future  # taken: its batch is being stored; its outcome is the answer
        except asyncio.CancelledError:
            # The socket closed: a send not yet taken is dropped (the client resends it with the
            # same client_id); a taken one is stored and acknowledged to nobody.
            if item.state == PENDING:
                self._withdraw(item)
            raise

    def _withdraw(self, item: PendingSend) -> None:
        item.state = REFUSED
        with contextlib.suppress(ValueError):
            self.pending.remove(item)

    async def _write(self) -> None:
        try:
            while True:
                self.wakeup.clear()
                if not self.pending:
                    try:
                        await asyncio.wait_for(self.wakeup.wait(), settings.CHAT_WRITER_IDLE_SECONDS)
                    except TimeoutError:  # idle: the writer's thread holds no connection
                        await self.in_writer_thread(_close_connection)
                        await self.wakeup.wait()
                    continue
                batch: list[PendingSend] = []
                limit = self.batch_limit()
                while self.pending and len(batch) < limit:
                    item = self.pending.popleft()
                    if item.state == PENDING:
                        item.state = TAKEN
                        batch.append(item)
                if batch:
                    await self._store(batch)
        finally:  # the event loop is closing (a test's): leave no connection open behind it
            executor, self.executor = self.executor, _writer_executor()  # a restarted writer gets a new one
            executor.submit(_close_connection)
            executor.shutdown(wait=False)

    async def _store(self, batch: list[PendingSend]) -> None:
        started = time.monotonic()
        self.in_flight = len(batch)
        collected = None
        try:
            outcomes, collected = await self.in_writer_thread(_store_in_writer_thread,
                [(item.user, item.key, item.body, item.client_id, item.language) for item in batch])
        except Exception as error:  # the whole batch failed (the database is down): nothing stored
            outcomes = [error] * len(batch)
        finally:
            self.in_flight = 0
        # The senders are answered as soon as the batch is committed; the readers' broadcasts
        # are rendered after (``collected`` notes them in order), then sent, before the next batch.
        for item, outcome in zip(batch, outcomes, strict=True):
            if item.future.done():
                continue
            if isinstance(outcome, BaseException):
                item.future.set_exception(outcome)
            else:
                stats["sends_stored"] += 1
                item.future.set_result(outcome)
        if collected is None:
            return
        try:
            layer_sends = await self.in_writer_thread(_built_in_writer_thread, collected)
        except Exception:  # stored and acknowledged: readers recover the messages from the database
            broadcast.stats["failed"] += 1
            logger.exception("chat: a batch's broadcasts could not be built (clients will resume from the database)")
        else:
            await _send_to_layer(layer_sends)
        elapsed = time.monotonic() - started
        self.seconds_per_send = 0.8 * self.seconds_per_send + 0.2 * elapsed / len(batch)
        stats["send_batches"] += 1


def coalesce(layer_sends: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The batch's broadcasts, each run of two or more new messages to one room joined into one
    ``chat.messages {room, messages: [{id, prev, texts}, …]}`` layer message (the hubs deliver
    them one by one, in order): one trip through the layer per room and batch, not per message."""
    runs: list[tuple[str, list[dict]]] = []
    for group, message in layer_sends:
        if runs and runs[-1][0] == group and message.get("type") == "chat.message" == runs[-1][1][-1].get("type"):
            runs[-1][1].append(message)
        else:
            runs.append((group, [message]))
    joined = []
    for group, messages in runs:
        if len(messages) == 1:
            joined.append((group, messages[0]))
        else:
            joined.append((group, {"type": "chat.messages", "room": messages[0]["room"], "messages": [
                {"id": m["id"], "prev": m["prev"], "texts": m["texts"]} for m in messages]}))
    return joined


async def _send_to_layer(layer_sends: list[tuple[str, dict]]) -> None:
    """The batch's broadcasts, in order (:func:`coalesce`); a failure is logged and counted
    (``chat.broadcast``), never raised: clients recover the messages from the database."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in coalesce(layer_sends):
        try:
            await layer.group_send(group, message)
            broadcast.stats["sent"] += 1
        except Exception:
            broadcast.stats["failed"] += 1
            logger.exception("chat: could not broadcast to %s (clients will resume from the database)", group)


def _writer_executor() -> ThreadPoolExecutor:
    """The writer's one thread (started on its first task)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-writer")


def _close_connection() -> None:
    connection.close()


def _built_in_writer_thread(collected: list) -> list[tuple[str, dict]]:
    """``broadcast.built`` on the writer thread's connection (closed after a failure)."""
    try:
        return broadcast.built(collected)
    except BaseException:
        connection.close()
        raise


def _store_in_writer_thread(sends: list[tuple]) -> tuple[list[int | Exception], list]:
    """:func:`store_batch` (its broadcasts noted, to be built by ``broadcast.built``) on the
    writer thread's connection, kept between batches. A batch that
    fails on a kept connection is tried once more on a new one (the database may have restarted
    since the last batch); a failure on a new connection is the batch's. The connection is closed
    after any failure, so the next batch starts on a new one."""
    kept = connection.connection is not None
    try:
        return store_batch(sends, render_later=True)
    except (OperationalError, InterfaceError):
        connection.close()
        if not kept:
            raise
        logger.info("chat: the writer's database connection failed; retrying the batch on a new one")
    except BaseException:
        connection.close()
        raise
    try:
        return store_batch(sends, render_later=True)
    except BaseException:
        connection.close()
        raise


def store_batch(sends: list[tuple], *, render_later: bool = False) -> tuple[list[int | Exception], list]:
    """Store ``sends`` — (user, room key, body, client_id, language) — in one transaction. Returns,
    per send, the message id or the ``ChatError`` (or other error) that refused it alone, and the
    layer sends of the broadcasts (made after the commit, for the event loop to send; with
    ``render_later``, new messages' broadcasts are only noted, for ``broadcast.built``). A database
    failure raises: then nothing of the batch is stored.

    The sends to one product room or to the lounge are stored together
    (``services.message_post_many``: a few statements for the group, however many sends); the
    others (direct conversations, tickets) one by one, each in its own savepoint.
    """
    outcomes: list[int | Exception | None] = [None] * len(sends)
    groups: dict[str, list[int]] = {}
    singles: list[int] = []
    together = connection.features.can_return_rows_from_bulk_insert
    for index, send in enumerate(sends):
        parsed = rooms.parse_key(send[1])
        if together and parsed is not None and parsed[0] in ("product", "lounge"):
            groups.setdefault(send[1], []).append(index)
        else:
            singles.append(index)
    known_rooms: dict = {}
    with broadcast.deferred_sends(render_later=render_later) as layer_sends, transaction.atomic():
        for key, indexes in groups.items():
            posts = [(sends[i][0], sends[i][2], sends[i][3], sends[i][4]) for i in indexes]
            for index, outcome in zip(indexes, _store_group(key, posts), strict=True):
                outcomes[index] = outcome
        for index in singles:
            user, key, body, client_id, language = sends[index]
            try:
                with transaction.atomic(), translation.override(language):
                    outcomes[index] = post_to_room(user, key, body, client_id, known_rooms)
            except ChatError as error:
                outcomes[index] = error
            except (OperationalError, InterfaceError):
                raise
            except Exception as error:
                logger.exception("chat: a send could not be stored")
                outcomes[index] = error
    return outcomes, layer_sends


class _NothingStored(Exception):
    def __init__(self, outcomes: list) -> None:
        super().__init__("nothing stored")
        self.outcomes = outcomes


def _store_group(key: str, posts: list[tuple]) -> list[int | Exception]:
    """One public room's sends, in one savepoint: the room is resolved (and created on its first
    message) once; a room created for sends that were all refused is rolled back with them."""
    try:
        with transaction.atomic():
            room = _room_of(key)
            outcomes = services.message_post_many(room=room, posts=posts)
            if not any(isinstance(outcome, int) for outcome in outcomes):
                raise _NothingStored(outcomes)
            return outcomes
    except _NothingStored as nothing:
        return nothing.outcomes
    except ChatError as error:  # the room itself: no such product, or it is not live
        outcomes = []
        for _author, _body, _client_id, language in posts:
            with translation.override(language):
                outcomes.append(ChatError(error.code))
        return outcomes
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        logger.exception("chat: %d sends to %s could not be stored", len(posts), key)
        return [error] * len(posts)


def _room_of(key: str):
    """The room named by ``key``, a product's or the lounge's created on first need; ``ChatError``
    when there is none (or the product is not live)."""
    ref = rooms.resolve(key)
    if ref is None:
        raise ChatError("not_found")
    if ref.kind == RoomKind.PRODUCT:
        if not ref.product_live:
            raise ChatError("not_found")
        room = ref.room or services.product_room_for(ref.product)
        room.product = ref.product  # already loaded: the access check reads its liveness
        return room
    if ref.kind == RoomKind.LOUNGE:
        return ref.room or services.lounge_room()
    return ref.room


def post_to_room(user, key: str, body: str, client_id: str, known: dict | None = None) -> int:
    """Post ``body`` to the room with ``key`` as ``user`` (resolving, and creating a product's or
    the lounge's room on first need); the message id.

    ``known``: product and lounge rooms already resolved in this batch, by key (a busy room's
    sends share one lookup; direct and ticket rooms are looked up for every send, as their
    access depends on rows a send may change).
    """
    room = known.get(key) if known is not None else None
    if room is None:
        room = _room_of(key)
    if room.kind == RoomKind.LOUNGE and not can_enter_lounge(user):
        raise ChatError("forbidden")
    message_id = services.message_post(author=user, room=room, body=body, client_id=client_id).pk
    # Kept only once a message is stored in it: a room created by a send that is then refused
    # is rolled back with that send's savepoint.
    if known is not None and room.kind in (RoomKind.PRODUCT, RoomKind.LOUNGE):
        known[key] = room
    return message_id


_ingests: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ingest_for_loop() -> Ingest:
    """The running event loop's ingest (a daphne process has one loop)."""
    loop = asyncio.get_running_loop()
    ingest = _ingests.get(loop)
    if ingest is None:
        ingest = _ingests[loop] = Ingest()
    return ingest
