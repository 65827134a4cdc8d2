"""Write paths of the chat: messages, direct rooms, blocks, mutes, reading. (Tickets: ``chat.support``.)

Every function takes the acting user first (keyword-only), checks permission, writes in a
transaction and raises :class:`chat.errors.ChatError` with a code and a translated message.
Messages are stored **before** anyone hears of them: the broadcast to websockets is scheduled
with ``transaction.on_commit`` (``chat.broadcast``), so a rolled-back message is never shown,
and a message the channel layer drops is still in the database for clients to resume from.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from chat import broadcast
from chat.errors import ChatError
from chat.models import MESSAGE_MAX_LENGTH, Block, Membership, Message, Room, RoomKind
from chat.permissions import can_enter_lounge, is_blocked_between, room_access
from chat.rooms import room_key
from chat.unread import invalidate_unread
from community import events, ratelimit
from community.accounts.trust import links_followed
from community.moderation.models import Action, Status
from community.moderation.same_text import checked_together
from community.moderation.sanctions import posting_refusal, posting_sanctions, refusal_text
from community.moderation.services import ModerationError, can_moderate, moderate
from community.text import sanitize_inline

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MUTE_MAX_MINUTES = 30 * 24 * 60


# --- checks ----------------------------------------------------------------------------------


def require_user(user) -> None:
    """Raise ``ChatError("auth_required")`` unless ``user`` is signed in and active."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise ChatError("auth_required")


def clean_client_id(client_id: str | None) -> str:
    """The stripped ``client_id``, or ``ChatError("invalid")`` when it is malformed."""
    client_id = (client_id or "").strip()
    if client_id and not CLIENT_ID.match(client_id):
        raise ChatError("invalid", _("The message identifier is malformed."))
    return client_id


# Characters that show nothing: format characters (zero-width spaces and joiners, BOM, word
# joiner…), separators, controls, and the few letters that render blank (Hangul fillers, the
# blank Braille pattern).
_BLANK_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: empty, or only whitespace and invisible characters."""
    return all(ch in _BLANK_LETTERS or unicodedata.category(ch) in _BLANK_CATEGORIES for ch in text)


def clean_text(body: str, *, author=None):
    """Sanitized one-paragraph message text, or ``ChatError("invalid")``; Experts' links are followed (one decision: accounts.trust).
    Text that shows nothing (only zero-width or other invisible characters) counts as empty."""
    body = body if isinstance(body, str) else ""
    if is_blank(body):
        body = ""
    try:
        return sanitize_inline(body, max_length=MESSAGE_MAX_LENGTH,
                               follow_links=links_followed(author))
    except ValidationError as error:
        raise ChatError("invalid", " ".join(error.messages)) from None


def check_can_post(*, author, room: Room) -> None:
    """Raise ``ChatError`` unless ``author`` may write in ``room`` now (access, blocks, closed
    tickets, mutes). Rate limits are checked by :func:`message_post`."""
    require_user(author)
    product_live = room.kind != RoomKind.PRODUCT or bool(room.product and room.product.live)
    access = room_access(author, kind=room.kind, room=room, product_live=product_live)
    if not access.write:
        raise ChatError(access.code or "forbidden")
    # Site-wide sanctions: a muted customer still reaches support; a banned user nobody.
    refusal = posting_refusal(author, allow_muted=room.kind == RoomKind.TICKET)
    if refusal:
        raise ChatError("muted", refusal)
    membership = Membership.objects.filter(user=author, room=room).only("muted_until").first()
    if membership and membership.is_muted():
        until = timezone.localtime(membership.muted_until)
        raise ChatError("muted", _("A moderator has muted you in this room until %(time)s.")
                        % {"time": until.strftime("%d.%m.%Y %H:%M")})


def check_rate_limit(*, author) -> None:
    """Count one message of ``author`` against ``RATE_LIMITS["chat_send"]`` (per user), in the
    shared cache (``community.ratelimit``): atomic, so it holds across daphne processes and for
    the no-JS form as well. Call it after every other check, just before the write."""
    if not ratelimit.hit("chat_send", f"user:{author.pk}").allowed:
        raise ChatError("rate_limited")


# --- rooms -----------------------------------------------------------------------------------


def product_room_for(product) -> Room:
    """The product's discussion room, created on first need (safe under concurrency)."""
    room = Room.objects.filter(kind=RoomKind.PRODUCT, product=product).first()
    if room:
        return room
    try:
        with transaction.atomic():
            return Room.objects.create(kind=RoomKind.PRODUCT, product=product)
    except IntegrityError:
        return Room.objects.get(kind=RoomKind.PRODUCT, product=product)


def lounge_room() -> Room:
    """The Experts' lounge room, created on first need."""
    room = Room.objects.filter(kind=RoomKind.LOUNGE).first()
    if room:
        return room
    try:
        with transaction.atomic():
            return Room.objects.create(kind=RoomKind.LOUNGE)
    except IntegrityError:
        return Room.objects.get(kind=RoomKind.LOUNGE)


def direct_key(a_id: int, b_id: int) -> str:
    """The key of the one direct room of two users, whoever starts."""
    low, high = sorted((a_id, b_id))
    return f"{low}:{high}"


def direct_room_for(*, actor, other) -> Room:
    """The one direct conversation between ``actor`` and ``other``, created if needed, with
    both as members. Refused with oneself, with inactive users, and when either blocked the other."""
    require_user(actor)
    if other is None or not other.is_active:
        raise ChatError("not_found")
    if other.pk == actor.pk:
        raise ChatError("invalid", _("You cannot write to yourself."))
    key = direct_key(actor.pk, other.pk)
    room = Room.objects.filter(direct_key=key).first()
    if room is None:
        if is_blocked_between(actor, other):
            raise ChatError("blocked")
        try:
            with transaction.atomic():
                room = Room.objects.create(kind=RoomKind.DIRECT, direct_key=key)
        except IntegrityError:
            room = Room.objects.get(direct_key=key)
    for user in (actor, other):
        Membership.objects.get_or_create(user=user, room=room)
    return room


# --- messages --------------------------------------------------------------------------------


def message_post(*, author, room: Room, body: str, client_id: str = "", rate_limited: bool = True) -> Message:
    """Store ``author``'s message in ``room``, then (after commit) broadcast it.

    Idempotent by ``client_id``: a resend returns the message stored the first time, even
    after a reconnect. Refused (``ChatError``, nothing stored) for anonymous users, rooms the
    author may not write in (membership, blocks, closed tickets, the lounge), mutes, empty or
    over-long text (> 2,000 characters) and more than the rate limit. ``rate_limited=False``
    only for a post another limit has already counted (a ticket's first message counts
    against ``ticket_create``, not ``chat_send``).

    Within a room ids are committed in increasing order (the room row is locked), and the
    broadcast names the room's previous message so receivers can detect a dropped one.
    """
    require_user(author)
    client_id = clean_client_id(client_id)
    if client_id:
        existing = Message.objects.filter(author=author, client_id=client_id).first()
        if existing is not None:
            if existing.room_id != room.pk:
                raise ChatError("invalid", _("This message identifier was already used in another room."))
            return existing
    check_can_post(author=author, room=room)
    text = clean_text(body, author=author)
    if rate_limited:
        check_rate_limit(author=author)
    try:
        with transaction.atomic():
            return _do_post(author=author, room=room, source=text.source, html=text.html, client_id=client_id)
    except IntegrityError:
        existing = Message.objects.filter(author=author, client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return existing


def message_post_many(*, room: Room, posts: list[tuple]) -> list[int | Exception]:
    """Store many messages in one public room (a product's discussion or the lounge) at once:
    what :func:`message_post` does for each, with one statement per step instead of one per
    message (the chat's writer, ``chat.ingest``, stores a busy room's sends this way).

    ``posts``: (author, body, client_id, language) in the order they were sent; the result is,
    per post, the message id or the ``ChatError`` that refused it alone (in the post's language).
    Each post is checked as :func:`message_post` checks it (idempotency by ``client_id`` — also
    within the batch —, access, sanctions, mutes, text, then the rate limit), in that order. The
    accepted ones are inserted in order with the room locked, so their ids follow the order they
    were sent in, and are broadcast together after the commit. Should the insert fail (another
    process stored the same ``client_id`` meanwhile) or a ``message_posted`` receiver refuse, the
    group is rolled back and each accepted post goes through :func:`message_post` alone (its rate
    limit already counted). Call inside a transaction.
    """
    if room.kind not in (RoomKind.PRODUCT, RoomKind.LOUNGE):
        raise ValueError("message_post_many stores only in product and lounge rooms")
    outcomes: list[int | Exception | None] = [None] * len(posts)
    checked = []  # (index, author, body, client_id, language) still to decide
    for index, (author, body, client_id, language) in enumerate(posts):
        try:
            with translation.override(language):
                require_user(author)
                client_id = clean_client_id(client_id)
        except ChatError as error:
            outcomes[index] = error
            continue
        checked.append((index, author, body, client_id, language))
    if not checked:
        return outcomes
    author_ids = {author.pk for _i, author, *_rest in checked}
    pairs = {(author.pk, client_id) for _i, author, _body, client_id, _language in checked if client_id}
    stored = {}
    if pairs:
        stored = {(m.author_id, m.client_id): m for m in _stored_by_client_id(pairs)}
    refusals = posting_sanctions(author_ids)
    memberships = {m.user_id: m for m in Membership.objects.filter(room=room, user_id__in=author_ids)
                   .only("pk", "user_id", "last_read_id", "muted_until")}
    product_live = room.kind != RoomKind.PRODUCT or bool(room.product and room.product.live)
    access: dict[int, object] = {}
    now = timezone.now()
    claimed: dict[tuple, int] = {}  # (author id, client_id) → index of the batch's post that takes it
    accepted = []  # (index, author, text, client_id)
    for index, author, body, client_id, language in checked:
        try:
            with translation.override(language):
                if client_id and (author.pk, client_id) in stored:
                    existing = stored[author.pk, client_id]
                    if existing.room_id != room.pk:
                        raise ChatError("invalid", _("This message identifier was already used in another room."))
                    outcomes[index] = existing.pk
                    continue
                if client_id and (author.pk, client_id) in claimed:
                    continue  # a resend within the batch: answered with the first one's id below
                if author.pk not in access:
                    access[author.pk] = room_access(author, kind=room.kind, room=room, product_live=product_live)
                if not access[author.pk].write:
                    raise ChatError(access[author.pk].code or "forbidden")
                if author.pk in refusals:
                    raise ChatError("muted", refusal_text(refusals[author.pk]))
                membership = memberships.get(author.pk)
                if membership is not None and membership.is_muted(now):
                    until = timezone.localtime(membership.muted_until)
                    raise ChatError("muted", _("A moderator has muted you in this room until %(time)s.")
                                    % {"time": until.strftime("%d.%m.%Y %H:%M")})
                text = clean_text(body, author=author)
        except ChatError as error:
            outcomes[index] = error
            continue
        if client_id:
            claimed[author.pk, client_id] = index
        accepted.append((index, author, text, client_id, language))
    # The rate limit last, counted once per author for the batch (as many attempts as posts).
    counts: dict[int, int] = {}
    for _index, author, *_rest in accepted:
        counts[author.pk] = counts.get(author.pk, 0) + 1
    decided = ratelimit.hit_each("chat_send", {f"user:{author_id}": count for author_id, count in counts.items()})
    decisions = {ident: iter(each) for ident, each in decided.items()}
    writing = []
    for index, author, text, client_id, language in accepted:
        if next(decisions[f"user:{author.pk}"]).allowed:
            writing.append((index, author, text, client_id))
        else:
            with translation.override(language):
                outcomes[index] = ChatError("rate_limited")
            if client_id and claimed.get((author.pk, client_id)) == index:
                del claimed[author.pk, client_id]  # a resend behind it in the batch is then its own post
    if writing:
        try:
            with transaction.atomic():
                ids = _do_post_many(room=room, writing=writing, memberships=memberships)
        except (IntegrityError, ChatError):
            ids = _post_one_by_one(room=room, writing=writing, posts=posts)
        for (index, *_rest), message_id in zip(writing, ids, strict=True):
            outcomes[index] = message_id
    # Resends within the batch: the first post's answer (or, when it was refused, their own).
    for index, author, _body, client_id, language in checked:
        if outcomes[index] is None:
            first = claimed.get((author.pk, client_id))
            if first is not None and isinstance(outcomes[first], int):
                outcomes[index] = outcomes[first]
            else:
                with translation.override(language):
                    try:
                        outcomes[index] = message_post(author=author, room=room, body=posts[index][1],
                                                       client_id=client_id).pk
                    except ChatError as error:
                        outcomes[index] = error
    return outcomes


def _stored_by_client_id(pairs: set[tuple[int, str]]) -> list[Message]:
    """The messages already stored under these (author id, ``client_id``) pairs (``pk``,
    ``room_id``, ``author_id`` and ``client_id`` loaded): one probe of the unique index per pair,
    on PostgreSQL and SQLite alike. ``author_id IN (…) AND client_id IN (…)`` matched no index (the
    unique one is partial) and read the whole message table every batch (14 ms at 34,000
    messages, growing with the table); OR-ed ``Q`` pairs cost 10 ms of CPU to compile for 50."""
    table, quote = Message._meta.db_table, connection.ops.quote_name
    values = ", ".join(["(%s, %s)"] * len(pairs))
    return list(Message.objects.raw(
        f"SELECT m.{quote('id')}, m.{quote('room_id')}, m.{quote('author_id')}, m.{quote('client_id')} "  # noqa: S608
        f"FROM (VALUES {values}) AS p JOIN {quote(table)} m "
        f"ON m.{quote('author_id')} = p.column1 AND m.{quote('client_id')} = p.column2 "
        f"WHERE NOT (m.{quote('client_id')} = '')",
        [value for pair in sorted(pairs) for value in pair]))


def _do_post_many(*, room: Room, writing: list[tuple], memberships: dict) -> list[int | Exception]:
    """Insert ``writing`` — (index, author, text, client_id) — in order and advance the room once;
    the messages' ids. Call inside a transaction; takes the room lock. ``pre_save``/``post_save``
    and ``message_posted`` are sent for each message, as a save would."""
    locked = Room.objects.select_for_update().get(pk=room.pk)
    messages = [Message(room=locked, author=author, body=text.source, body_html=text.html, client_id=client_id,
                        status=Status.PUBLISHED) for _index, author, text, client_id in writing]
    for message in messages:
        pre_save.send(sender=Message, instance=message, raw=False, using=DEFAULT_DB_ALIAS, update_fields=None)
    Message.objects.bulk_create(messages)
    previous_id = locked.last_message_id
    last = messages[-1]
    Room.objects.filter(pk=locked.pk).update(last_message_id=last.pk, last_message_at=last.created)
    locked.last_message_id, locked.last_message_at = last.pk, last.created
    transaction.on_commit(partial(broadcast.messages_created, [m.pk for m in messages], previous_id))
    newest: dict[int, int] = {}
    for message in messages:
        newest[message.author_id] = message.pk
    behind = []
    for user_id, message_id in newest.items():
        membership = memberships.get(user_id)
        if membership is not None and membership.last_read_id < message_id:
            membership.last_read_id = message_id
            behind.append(membership)
    if behind:
        _set_last_read(behind)
    joining = [Membership(user_id=user_id, room=locked, last_read_id=message_id)
               for user_id, message_id in newest.items() if user_id not in memberships]
    if joining:
        Membership.objects.bulk_create(joining, ignore_conflicts=True)
    with checked_together():  # the "same text across accounts" check: once for the lot
        for message in messages:
            post_save.send(sender=Message, instance=message, created=True, update_fields=None, raw=False,
                           using=DEFAULT_DB_ALIAS)
            events.message_posted.send(sender=Message, message=message)
    return [message.pk for message in messages]


def _set_last_read(memberships: list[Membership]) -> None:
    """Save the ``last_read_id`` of ``memberships`` in one UPDATE. ``bulk_update`` builds the same
    CASE from an expression per row, which cost the chat's writer a tenth of its time."""
    table, pk = Membership._meta.db_table, Membership._meta.pk.column
    column = Membership._meta.get_field("last_read_id").column
    quote = connection.ops.quote_name
    cases = " ".join(["WHEN %s THEN %s"] * len(memberships))
    ids = ", ".join(["%s"] * len(memberships))
    params = [value for m in memberships for value in (m.pk, m.last_read_id)] + [m.pk for m in memberships]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = CASE {quote(pk)} {cases} END "  # noqa: S608
                       f"WHERE {quote(pk)} IN ({ids})", params)


def _post_one_by_one(*, room: Room, writing: list[tuple], posts: list[tuple]) -> list[int | Exception]:
    """The group's accepted posts, each through :func:`message_post` in its own savepoint (their
    rate limit is already counted)."""
    ids: list[int | Exception] = []
    for index, author, _text, client_id in writing:
        with translation.override(posts[index][3]):
            try:
                with transaction.atomic():
                    ids.append(message_post(author=author, room=room, body=posts[index][1], client_id=client_id,
                                            rate_limited=False).pk)
            except ChatError as error:
                ids.append(error)
    return ids


def _do_post(*, author, room: Room, source: str, html: str, client_id: str) -> Message:
    """Insert the message and advance the room. Call inside a transaction; takes the room lock.

    ``message_posted`` is sent here, inside the transaction with the room locked: a receiver
    may refuse the message by raising ``ChatError`` (the support desk does, for a closed
    ticket) or change its own rows in the same transaction (a ticket's status).
    """
    locked = Room.objects.select_for_update().get(pk=room.pk)
    message = Message.objects.create(room=locked, author=author, body=source, body_html=html, client_id=client_id,
                                     status=Status.PUBLISHED)
    previous_id = locked.last_message_id
    Room.objects.filter(pk=locked.pk).update(last_message_id=message.pk, last_message_at=message.created)
    locked.last_message_id, locked.last_message_at = message.pk, message.created
    transaction.on_commit(partial(broadcast.message_created, message.pk, previous_id))
    membership, _created = Membership.objects.get_or_create(user=author, room=locked)
    if membership.last_read_id < message.pk:
        Membership.objects.filter(pk=membership.pk).update(last_read_id=message.pk)
    if locked.kind in (RoomKind.DIRECT, RoomKind.TICKET):
        for user_id in Membership.objects.filter(room=locked).exclude(user=author).values_list("user_id", flat=True):
            invalidate_unread(user_id)  # again after the commit, by the broadcast
    events.message_posted.send(sender=Message, message=message)
    return message


def message_edit(*, author, message: Message, body: str) -> Message:
    """Replace the text of ``author``'s own message within the edit window (10 minutes)."""
    require_user(author)
    if message.author_id != author.pk:
        raise ChatError("forbidden", _("You can edit only your own messages."))
    if message.deleted or message.status != Status.PUBLISHED:
        raise ChatError("invalid", _("This message can no longer be edited."))
    if timezone.now() - message.created > timedelta(seconds=settings.CHAT_EDIT_WINDOW_SECONDS):
        raise ChatError("edit_window")
    check_can_post(author=author, room=message.room)
    text = clean_text(body, author=author)
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.body, locked.body_html, locked.edited_at = text.source, text.html, timezone.now()
        locked.save(update_fields=["body", "body_html", "edited_at"])
        transaction.on_commit(partial(broadcast.message_changed, locked.pk, "edited"))
    message.body, message.body_html, message.edited_at = locked.body, locked.body_html, locked.edited_at
    return message


def message_delete(*, actor, message: Message) -> Message:
    """The author deletes their message: its text is erased, the room shows it no more."""
    require_user(actor)
    if message.author_id != actor.pk:
        raise ChatError("forbidden", _("You can delete only your own messages."))
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, deleted=False).update(deleted=True, body="", body_html="")
        if updated:
            transaction.on_commit(partial(broadcast.message_changed, message.pk, "removed"))
    message.deleted, message.body, message.body_html = True, "", ""
    return message


def message_hide(*, moderator, message: Message, reason: str) -> Message:
    """A moderator hides a message (audit-logged by the moderation service)."""
    try:
        return moderate(moderator=moderator, content=message, action=Action.HIDE, reason=reason)
    except PermissionDenied:
        raise ChatError("forbidden", _("Only moderators can do this.")) from None
    except ModerationError as error:
        raise ChatError("invalid", str(error)) from None


def mark_read(*, user, room: Room, upto: int) -> int:
    """Record that ``user`` has read ``room`` up to message ``upto`` (never moves backwards,
    never past the room's last message). Returns the new ``last_read_id``."""
    require_user(user)
    head = Room.objects.filter(pk=room.pk).values_list("last_message_id", flat=True).first() or 0
    upto = min(int(upto), head)
    membership = Membership.objects.filter(user=user, room=room).first()
    if membership is None:
        if room.kind in (RoomKind.PRODUCT, RoomKind.LOUNGE):
            return 0
        if not room_access(user, kind=room.kind, room=room).read:
            raise ChatError("forbidden")
        membership, _created = Membership.objects.get_or_create(user=user, room=room)
    if upto > membership.last_read_id:
        Membership.objects.filter(pk=membership.pk, last_read_id__lt=upto).update(last_read_id=upto)
        membership.last_read_id = upto
        invalidate_unread(user.pk)
        transaction.on_commit(partial(broadcast.unread_changed, [user.pk]))
    return membership.last_read_id


# --- blocks and mutes ------------------------------------------------------------------------


def user_block(*, blocker, blocked) -> Block:
    """``blocker`` blocks ``blocked``: neither can write to the other directly any more, and
    they no longer see each other's presence."""
    require_user(blocker)
    if blocked is None or blocked.pk == blocker.pk:
        raise ChatError("invalid", _("You cannot block yourself."))
    block, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    room = Room.objects.filter(direct_key=direct_key(blocker.pk, blocked.pk)).first()
    if room is not None:
        transaction.on_commit(partial(broadcast.access_changed, room_key(room)))
    return block


def user_unblock(*, blocker, blocked) -> None:
    """Lift ``blocker``'s block of ``blocked`` (a block by the other side stays)."""
    require_user(blocker)
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


def room_mute(*, moderator, room: Room, user, minutes: int, reason: str = "") -> Membership:
    """A moderator mutes ``user`` in ``room`` for ``minutes`` (audit-logged)."""
    if not can_moderate(moderator):
        raise ChatError("forbidden", _("Only moderators can do this."))
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise ChatError("invalid", _("Choose for how long.")) from None
    if not 1 <= minutes <= MUTE_MAX_MINUTES:
        raise ChatError("invalid", _("Choose for how long."))
    if user is None or user.pk == moderator.pk:
        raise ChatError("invalid", _("Choose whom to mute."))
    reason = (reason or "").strip()[:1000]
    with transaction.atomic():
        membership, _created = Membership.objects.select_for_update().get_or_create(user=user, room=room)
        membership.muted_until = timezone.now() + timedelta(minutes=minutes)
        membership.save(update_fields=["muted_until"])
        log(instance=membership, action="chat.mute", user=moderator, title=f"{user.get_username()} — {room}"[:255],
            data={"room": room_key(room), "user": user.get_username(), "minutes": minutes, "reason": reason,
                  "until": membership.muted_until.isoformat()})
    return membership


def room_unmute(*, moderator, room: Room, user) -> None:
    """Lift a mute early (audit-logged)."""
    if not can_moderate(moderator):
        raise ChatError("forbidden", _("Only moderators can do this."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(user=user, room=room).first()
        if membership and membership.muted_until:
            membership.muted_until = None
            membership.save(update_fields=["muted_until"])
            log(instance=membership, action="chat.unmute", user=moderator,
                title=f"{user.get_username()} — {room}"[:255], data={"room": room_key(room), "user": user.get_username()})


__all__ = [
    "ChatError", "can_enter_lounge", "check_can_post", "check_rate_limit", "direct_room_for", "lounge_room",
    "mark_read", "message_delete", "message_edit", "message_hide", "message_post", "message_post_many",
    "product_room_for",
    "room_mute", "room_unmute", "user_block", "user_unblock",
]
