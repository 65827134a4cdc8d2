"""Backfill of the SLA clock for tickets opened before it existed.

``first_response_at`` and ``first_closed_at`` came with the support desk's figures; older
tickets have neither, so the figures leave them out. They are derived from what was kept: the
first answer is the earliest message in the ticket's room by a staff member other than the
customer (the live rule in ``services.ticket_after_message``); the resolution of a closed ticket
is its ``closed_at`` (the only close on record — closes were not logged before). A ticket
reopened and still open keeps no resolution, and ``reopen_count`` cannot be recovered.

Idempotent: only empty fields are filled, so a second run changes nothing.
``python manage.py backfill_support_sla [--dry-run]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Min, Q

from chat.models import Message
from chat.support.models import Ticket, TicketStatus


@dataclass
class BackfillReport:
    checked: int = 0
    first_answers: int = 0
    resolutions: int = 0


def tickets_missing_sla():
    """Tickets whose clock could still be filled from their history."""
    return Ticket.objects.filter(
        Q(first_response_at__isnull=True) | Q(first_closed_at__isnull=True, status=TicketStatus.CLOSED,
                                             closed_at__isnull=False))


def sla_backfill(*, dry_run: bool = False, chunk_size: int = 500,
                 progress: Callable[[int], object] | None = None) -> BackfillReport:
    """Fill the empty SLA fields of every ticket that has the history for them, a chunk per
    transaction (two queries and one bulk update per chunk). ``progress`` gets each chunk's size."""
    report = BackfillReport()
    last_pk = 0
    while True:
        chunk = list(tickets_missing_sla().filter(pk__gt=last_pk).order_by("pk")
                     .only("pk", "room_id", "customer_id", "status", "closed_at", "first_response_at",
                           "first_closed_at")[:chunk_size])
        if not chunk:
            return report
        last_pk = chunk[-1].pk
        with transaction.atomic():
            changed = _fill(chunk, report)
            if changed and not dry_run:
                Ticket.objects.bulk_update(changed, ["first_response_at", "first_closed_at"])
        report.checked += len(chunk)
        if progress is not None:
            progress(len(chunk))


def _fill(chunk: list[Ticket], report: BackfillReport) -> list[Ticket]:
    unanswered = {t.room_id: t for t in chunk if t.first_response_at is None}
    first_by_author = (Message.objects.filter(room_id__in=list(unanswered), author__is_staff=True)
                       .values("room_id", "author_id").annotate(first=Min("created")).order_by())
    first_answer: dict[int, object] = {}
    for row in first_by_author:
        ticket = unanswered[row["room_id"]]
        if row["author_id"] != ticket.customer_id:
            current = first_answer.get(row["room_id"])
            first_answer[row["room_id"]] = row["first"] if current is None else min(current, row["first"])
    changed = []
    for ticket in chunk:
        touched = False
        if ticket.first_response_at is None and ticket.room_id in first_answer:
            ticket.first_response_at = first_answer[ticket.room_id]
            report.first_answers += 1
            touched = True
        if ticket.first_closed_at is None and ticket.status == TicketStatus.CLOSED and ticket.closed_at:
            ticket.first_closed_at = ticket.closed_at
            report.resolutions += 1
            touched = True
        if touched:
            changed.append(ticket)
    return changed
