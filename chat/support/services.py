"""Write paths of the support desk: open a ticket, answer it, close, reopen, set its status,
assign it. Same rules as ``chat.services`` (acting user first, keyword-only, a transaction,
``ChatError`` with a code and a translated message).

Every message of a ticket — the first one included — goes through chat's one posting service,
``chat.services.message_post``; the ticket follows its dialog from the ``message_posted``
event (``chat.support.receivers``), inside the same transaction with the room locked.

Lock order: the ticket counter, then the room, then the ticket.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.errors import ChatError
from chat.models import Membership, Message, Room, RoomKind
from chat.services import clean_client_id, clean_text, is_blank, message_post, require_user
from chat.support import broadcast as support_broadcast
from chat.support.models import Counter, Ticket, TicketNote, TicketStatus
from community import events, ratelimit

SUBJECT_MAX_LENGTH = 200


def _lock_counter(name: str) -> Counter:
    """The gapless counter ``name``, locked until the end of the transaction. Call inside one."""
    Counter.objects.get_or_create(name=name)
    return Counter.objects.select_for_update().get(name=name)


def _ticket_by_client_id(customer, client_id: str) -> Ticket | None:
    """The ticket whose first message ``customer`` sent with ``client_id`` (a resend), or None."""
    if not client_id:
        return None
    existing = (Message.objects.filter(author=customer, client_id=client_id, room__kind=RoomKind.TICKET)
                .select_related("room__ticket").first())
    return existing.room.ticket if existing is not None else None


def ticket_open(*, customer, subject: str, body: str, client_id: str = "") -> Ticket:
    """Open a support ticket with its first message; the ticket gets the next number
    (``T-000123``, without gaps). Staff are notified live.

    Idempotent by ``client_id``: a resend — or the same form posted twice at once — answers
    with the ticket opened the first time (the check runs with the counter locked, so two
    concurrent requests cannot both open one).
    """
    require_user(customer)
    client_id = clean_client_id(client_id)
    existing = _ticket_by_client_id(customer, client_id)
    if existing is not None:
        return existing
    subject = " ".join((subject or "").split())
    if is_blank(subject):
        raise ChatError("invalid", _("Give the ticket a subject."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ChatError("invalid", _("The subject must be at most %(max)d characters.") % {"max": SUBJECT_MAX_LENGTH})
    clean_text(body, author=customer)  # an empty or over-long text costs no ticket of the limit
    if not ratelimit.hit("ticket_create", f"user:{customer.pk}").allowed:
        raise ChatError("rate_limited", _("You have opened many tickets recently. Try again later or write in "
                                          "one of your open tickets."))
    with transaction.atomic():
        counter = _lock_counter("ticket")
        existing = _ticket_by_client_id(customer, client_id)
        if existing is not None:  # the other request opened it while this one waited for the lock
            return existing
        counter.value += 1
        counter.save(update_fields=["value"])
        now = timezone.now()
        room = Room.objects.create(kind=RoomKind.TICKET, created=now)
        ticket = Ticket.objects.create(room=room, number=counter.value, subject=subject, customer=customer,
                                       created=now, updated=now)
        Membership.objects.create(user=customer, room=room)
        # Counted against ticket_create above: opening a ticket costs no chat send.
        message = message_post(author=customer, room=room, body=body, client_id=client_id, rate_limited=False)
        if message.room_id != room.pk:  # the client_id was taken in another room meanwhile
            raise ChatError("invalid", _("This message identifier was already used in another room."))
        # One moment for the ticket and its first message: «Открыто …» shows the message's time.
        Ticket.objects.filter(pk=ticket.pk).update(created=message.created)
        Room.objects.filter(pk=room.pk).update(created=message.created)
        ticket.refresh_from_db(fields=["status", "updated", "created"])
        events.ticket_changed.send(sender=Ticket, ticket=ticket, previous_status=None, actor=customer)
        transaction.on_commit(partial(support_broadcast.ticket_opened, ticket.pk))
    return ticket


def ticket_after_message(*, message: Message) -> None:
    """Move a ticket with its dialog: a staff answer (not the customer's own) sets "waiting for
    customer", the customer's message sets "open"; a closed ticket refuses the message
    (``ChatError("ticket_closed")``, the whole post rolls back). Call inside the posting
    transaction, with the room locked (the ``message_posted`` receiver does)."""
    ticket = Ticket.objects.select_for_update().get(room_id=message.room_id)
    if ticket.is_closed:
        raise ChatError("ticket_closed")
    previous = ticket.status
    author = message.author
    ticket.status = TicketStatus.OPEN if author.pk == ticket.customer_id else TicketStatus.WAITING
    ticket.updated = message.created
    fields = ["status", "updated"]
    if author.pk != ticket.customer_id and author.is_staff and ticket.first_response_at is None:
        ticket.first_response_at = message.created  # the SLA clock's first answer
        fields.append("first_response_at")
    ticket.save(update_fields=fields)
    if ticket.status != previous:
        events.ticket_changed.send(sender=Ticket, ticket=ticket, previous_status=previous, actor=author)
        transaction.on_commit(partial(support_broadcast.ticket_changed, ticket.pk))


def ticket_reply(*, author, ticket: Ticket, body: str, client_id: str = "") -> Message:
    """A message in a ticket (by its customer or staff), through chat's one posting path; the
    status moves with it (:func:`ticket_after_message`)."""
    return message_post(author=author, room=ticket.room, body=body, client_id=client_id)


def _check_ticket_party(actor, ticket: Ticket) -> None:
    require_user(actor)
    if not (actor.pk == ticket.customer_id or actor.is_staff):
        raise ChatError("forbidden", _("Only the customer or the support team can do this."))


def _set_ticket_status(*, actor, ticket: Ticket, status: str, allowed_from: set[str]) -> Ticket:
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status not in allowed_from:
            if status == TicketStatus.CLOSED:
                raise ChatError("invalid", _("The ticket is already closed."))
            raise ChatError("invalid", _("The ticket is not closed."))
        previous = locked.status
        now = timezone.now()
        locked.status, locked.updated = status, now
        locked.closed_at = now if status == TicketStatus.CLOSED else None
        locked.closed_by = actor if status == TicketStatus.CLOSED else None
        if status == TicketStatus.CLOSED and locked.first_closed_at is None:
            locked.first_closed_at = now  # the SLA clock's resolution
        if previous == TicketStatus.CLOSED and status != TicketStatus.CLOSED:
            locked.reopen_count += 1
        locked.save(update_fields=["status", "updated", "closed_at", "closed_by", "first_closed_at", "reopen_count"])
        events.ticket_changed.send(sender=Ticket, ticket=locked, previous_status=previous, actor=actor)
        transaction.on_commit(partial(support_broadcast.ticket_changed, locked.pk))
    for field in ("status", "updated", "closed_at", "closed_by_id"):
        setattr(ticket, field, getattr(locked, field))
    return ticket


def ticket_close(*, actor, ticket: Ticket) -> Ticket:
    """Close a ticket: only its customer or staff; afterwards it is read-only until reopened."""
    _check_ticket_party(actor, ticket)
    return _set_ticket_status(actor=actor, ticket=ticket, status=TicketStatus.CLOSED,
                              allowed_from={TicketStatus.OPEN, TicketStatus.WAITING})


def ticket_reopen(*, actor, ticket: Ticket) -> Ticket:
    """Reopen a closed ticket: its customer or staff."""
    _check_ticket_party(actor, ticket)
    return _set_ticket_status(actor=actor, ticket=ticket, status=TicketStatus.OPEN, allowed_from={TicketStatus.CLOSED})


def ticket_status_set(*, actor, ticket: Ticket, status: str) -> Ticket:
    """Set a status by hand (the admin queue): closing and reopening follow their own rules;
    switching between "open" and "waiting for customer" is for staff."""
    if status == TicketStatus.CLOSED:
        return ticket_close(actor=actor, ticket=ticket)
    if status not in TicketStatus.values:
        raise ChatError("invalid", _("Unknown ticket status."))
    if ticket.is_closed:
        ticket_reopen(actor=actor, ticket=ticket)
    if ticket.status == status:
        return ticket
    require_user(actor)
    if not actor.is_staff:
        raise ChatError("forbidden", _("Only the support team can do this."))
    return _set_ticket_status(actor=actor, ticket=ticket, status=status,
                              allowed_from={TicketStatus.OPEN, TicketStatus.WAITING})


def ticket_assign(*, actor, ticket: Ticket, assignee) -> Ticket:
    """Staff assign a ticket to a staff member (or to nobody); the assignee follows it."""
    require_user(actor)
    if not actor.is_staff:
        raise ChatError("forbidden", _("Only the support team can assign tickets."))
    if assignee is not None and (not assignee.is_staff or not assignee.is_active):
        raise ChatError("invalid", _("Tickets can be assigned only to staff."))
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        locked.assignee = assignee
        locked.updated = timezone.now()
        locked.save(update_fields=["assignee", "updated"])
        if assignee is not None:
            Membership.objects.get_or_create(user=assignee, room_id=locked.room_id)
        events.ticket_changed.send(sender=Ticket, ticket=locked, previous_status=locked.status, actor=actor)
        transaction.on_commit(partial(support_broadcast.ticket_changed, locked.pk))
    ticket.assignee, ticket.updated = assignee, locked.updated
    return ticket


def _require_staff(actor) -> None:
    require_user(actor)
    if not actor.is_staff:
        raise ChatError("forbidden", _("Only the support team can do this."))


def ticket_note_add(*, author, ticket: Ticket, text: str) -> TicketNote:
    """An internal note by staff (never shown to the customer)."""
    _require_staff(author)
    text = (text or "").strip()
    if not text:
        raise ChatError("invalid", _("Write the note."))
    if len(text) > 4000:
        raise ChatError("invalid", _("A note is at most 4000 characters."))
    with transaction.atomic():
        return TicketNote.objects.create(ticket=ticket, author=author, text=text)


def ticket_tags_set(*, actor, ticket: Ticket, tags) -> None:
    """Set the ticket's topics (staff)."""
    _require_staff(actor)
    with transaction.atomic():
        ticket.tags.set(tags)


def ticket_claim(*, actor, ticket: Ticket) -> Ticket:
    """Take a ticket: assign it to oneself (staff)."""
    return ticket_assign(actor=actor, ticket=ticket, assignee=actor)
