"""After-commit side effects of chat writes: channel-layer broadcasts and unread counters.

Called from ``transaction.on_commit`` in ``chat.services`` (synchronous code: a request
thread, or the consumer's database thread). A failure here never undoes a stored message:
it is logged and counted, and clients recover it from the database when they resume.

Layer messages to a room group are read by one hub per process (``chat.fanout``), which
writes the pre-encoded text to its sockets:

* ``chat.message {room, id, prev, texts}`` — a new message; ``prev`` is the room's previous
  message id (a gap means a dropped broadcast, which the hub refills from the database);
  ``chat.messages {room, messages: [{id, prev, texts}, …]}`` — several, in order (the chat's
  writer joins a batch's messages to one room: ``chat.ingest.coalesce``),
* ``chat.event {room, texts | text, presence}`` — edits, removals, typing, ticket status
  (``chat.support.broadcast``),
* ``chat.presence {room, process, count, query}`` — presence counts per process,
* ``chat.access {room}`` — a block changed who sees whose presence.

Per-user groups (``chat.user.<id>``) get ``chat.notify {text}`` for unread counters.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter as Tally
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils.translation import gettext as _

from chat import frames
from chat.models import Membership, Message, Room, RoomKind
from chat.rooms import group_name, room_key, user_group
from chat.unread import invalidate_unread, unread_count
from community.text import excerpt

logger = logging.getLogger("chat.broadcast")
stats: Tally = Tally()


_deferred = threading.local()


@contextlib.contextmanager
def deferred_sends(*, render_later: bool = False):
    """Collect this thread's layer sends (``group_send``) instead of sending them: the caller
    sends them from the event loop. The ingest writer (``chat.ingest``) does, so that its
    database thread never waits for an event loop busy with the very sockets it serves.

    ``render_later``: new messages' broadcasts are not even built (rendered in every language),
    only noted in their place among the sends; :func:`built` builds them. The writer answers a
    batch's senders first and renders for the readers after: an ``ack`` needs only the id."""
    _deferred.sends = collected = []
    _deferred.render_later = render_later
    try:
        yield collected
    finally:
        _deferred.sends = None
        _deferred.render_later = False


@dataclass(frozen=True)
class _Later:
    """A :func:`messages_created` broadcast noted by ``deferred_sends(render_later=True)``."""

    message_ids: list[int]
    previous_id: int


def built(collected: list) -> list[tuple[str, dict]]:
    """The layer sends ``deferred_sends(render_later=True)`` collected, with each noted broadcast
    built in its place (the order of the sends is kept)."""
    sends = []
    for entry in collected:
        if isinstance(entry, _Later):
            with deferred_sends() as these:
                messages_created(entry.message_ids, entry.previous_id)
            sends.extend(these)
        else:
            sends.append(entry)
    return sends


def group_send(group: str, message: dict) -> None:
    """Send to a layer group; a failure is logged and counted, never raised (see above)."""
    collected = getattr(_deferred, "sends", None)
    if collected is not None:
        collected.append((group, message))
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
        stats["sent"] += 1
    except Exception:
        # The message is stored; receivers resume from the database. Count and log the loss.
        stats["failed"] += 1
        logger.exception("chat: could not broadcast to %s (clients will resume from the database)", group)


def message_created(message_id: int, previous_id: int) -> None:
    """Broadcast a stored message to its room and notify members of private rooms."""
    messages_created([message_id], previous_id)


def messages_created(message_ids: list[int], previous_id: int) -> None:
    """Broadcast messages stored together in one room, in order (one query for all): each names
    the one before it as ``prev`` (the first, ``previous_id``); members of private rooms are told."""
    if getattr(_deferred, "render_later", False):
        _deferred.sends.append(_Later(list(message_ids), previous_id))
        return
    # The room is enough: the frame names it by key (kind and product id), never reads the product.
    found = {m.pk: m for m in Message.objects.select_related("author__profile", "room").filter(pk__in=message_ids)}
    for message_id in message_ids:
        message = found.get(message_id)
        previous_id, previous = message_id, previous_id
        if message is None:
            continue
        key = room_key(message.room)
        group_send(group_name(key), {
            "type": "chat.message", "room": key, "id": message.pk, "prev": previous,
            "texts": frames.message_texts(message, room=key, support=message.room.kind == RoomKind.TICKET),
        })
        if message.room.kind in (RoomKind.DIRECT, RoomKind.TICKET):
            recipients = list(Membership.objects.filter(room=message.room).exclude(user=message.author_id)
                              .values_list("user_id", flat=True))
            notify_unread(recipients, room=key, message=message)


def message_changed(message_id: int, change: str) -> None:
    """Broadcast an edit (``edited``) or a removal (``removed``: deleted, hidden)."""
    message = Message.objects.select_related("author__profile", "room").filter(pk=message_id).first()
    if message is None:
        return
    key = room_key(message.room)
    group_send(group_name(key), {"type": "chat.event", "room": key,
                                  "texts": frames.message_texts(message, room=key, change=change,
                                                                 support=message.room.kind == RoomKind.TICKET)})
    if message.room.kind in (RoomKind.DIRECT, RoomKind.TICKET):
        unread_changed(list(Membership.objects.filter(room=message.room).values_list("user_id", flat=True)))


def notify_unread(user_ids: list[int], *, room: str | None = None, message: Message | None = None) -> None:
    """Send each user their current unread total (and what arrived) on their own group."""
    anonymous = message is not None and frames.support_staff(message, support=message.room.kind == RoomKind.TICKET)
    for user_id in user_ids:
        invalidate_unread(user_id)
        fields = {"kind": "unread", "unread": unread_count(user_id)}
        if message is None:
            group_send(user_group(user_id), {"type": "chat.notify", "text": frames.encode("notification", **fields)})
            continue
        fields.update(kind="message", room=room, excerpt=excerpt(message.body_html, 80), url=room_url(message.room))
        if anonymous:
            # A ticket's customer hears from «Служба поддержки», not from a staff member by name.
            texts = frames.per_audience(lambda _language, _for_staff, fields=fields: frames.encode(
                "notification", **fields, from_name=str(_("Support service"))))
            group_send(user_group(user_id), {"type": "chat.notify", "texts": texts})
        else:
            group_send(user_group(user_id), {"type": "chat.notify", "text": frames.encode(
                "notification", **fields, from_name=message.author.profile.name)})


def unread_changed(user_ids: list[int]) -> None:
    notify_unread(user_ids)


def room_url(room: Room) -> str:
    from django.urls import reverse

    if room.kind == RoomKind.TICKET:
        return room.ticket.get_absolute_url()
    if room.kind == RoomKind.LOUNGE:
        return reverse("chat:lounge")
    if room.kind == RoomKind.PRODUCT and room.product:
        return room.product.url + "#chat"
    return reverse("chat:conversations")


def access_changed(key: str) -> None:
    group_send(group_name(key), {"type": "chat.access", "room": key})


def typing_text(key: str, user) -> str:
    return frames.encode("typing", room=key, user={"username": user.get_username(), "name": user.profile.name})


def notifications_created(notification_ids: list[int]) -> None:
    """Push a ``notification`` frame (kind ``notification``: its text in the socket's language,
    the link that opens it, the unread total for the bell) to each recipient's own group."""
    from community.notifications.selectors import live_payloads

    messages = []
    for payload in live_payloads(notification_ids):
        texts = {language: frames.encode("notification", kind="notification", id=payload["id"], text=text,
                                         url=payload["url"], notifications_unread=payload["unread"])
                 for language, text in payload["texts"].items()}
        messages.append((user_group(payload["recipient_id"]), {"type": "chat.notify", "texts": texts}))
    if messages:
        group_send_many(messages)


def group_send_many(messages: list[tuple[str, dict]]) -> None:
    """Many layer sends in one trip to the event loop (a fan-out to thousands of users); each
    failure is logged and counted like :func:`group_send`'s."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group, message in messages:
            try:
                await layer.group_send(group, message)
                stats["sent"] += 1
            except Exception:
                stats["failed"] += 1
                logger.exception("chat: could not broadcast to %s (clients will resume from the database)", group)

    try:
        async_to_sync(send_all)()
    except RuntimeError:
        # Called from a thread that runs an event loop (async_to_sync refuses): like a failed
        # send, logged and counted, never raised into the writer's transaction hooks.
        stats["failed"] += len(messages)
        logger.exception("chat: could not broadcast %d messages (clients will resume from the database)",
                         len(messages))
