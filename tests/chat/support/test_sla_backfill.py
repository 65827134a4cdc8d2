"""Tickets opened before the SLA clock existed get their first answer and resolution from their
history, once: a second run changes nothing, and what the live clock recorded is never touched."""

from django.core.management import call_command

from chat.support import services as support_services
from chat.support.figures import support_figures
from chat.support.models import Ticket
from chat.support.sla_backfill import sla_backfill
from tests.factories import UserFactory


def as_before_the_clock(ticket):
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=None, first_closed_at=None)


def test_old_tickets_get_their_first_staff_answer_and_resolution(ticket, shopper, staff, capsys):
    support_services.ticket_reply(author=shopper, ticket=ticket, body="Есть новости?")
    first_staff = support_services.ticket_reply(author=staff, ticket=ticket, body="Проверяем")
    support_services.ticket_reply(author=staff, ticket=ticket, body="Ещё проверяем")
    support_services.ticket_close(actor=staff, ticket=ticket)
    unanswered = support_services.ticket_open(customer=UserFactory(username="laertes"), subject="Доставка",
                                              body="Когда привезут?")
    as_before_the_clock(ticket)
    as_before_the_clock(unanswered)
    assert support_figures().overall["answered"] == 0

    call_command("backfill_support_sla", "--no-progress")

    ticket.refresh_from_db()
    assert ticket.first_response_at == first_staff.created and ticket.first_closed_at == ticket.closed_at
    assert Ticket.objects.get(pk=unanswered.pk).first_response_at is None  # nobody answered it yet
    assert "filled 1 first answers and 1 resolutions" in capsys.readouterr().out
    figures = support_figures()
    assert figures.overall["answered"] == 1 and figures.overall["resolved"] == 1

    again = sla_backfill()
    assert (again.first_answers, again.resolutions) == (0, 0)


def test_a_staff_customer_writing_in_their_own_ticket_is_not_an_answer(staff):
    own = support_services.ticket_open(customer=staff, subject="Проверка", body="Тестовый тикет")
    as_before_the_clock(own)
    assert sla_backfill().first_answers == 0


def test_the_dry_run_writes_nothing_and_the_live_clock_is_kept(ticket, staff):
    support_services.ticket_reply(author=staff, ticket=ticket, body="Проверяем")
    ticket.refresh_from_db()
    recorded = ticket.first_response_at
    assert sla_backfill(dry_run=True).first_answers == 0  # nothing missing
    as_before_the_clock(ticket)
    assert sla_backfill(dry_run=True).first_answers == 1
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None
    sla_backfill()
    assert Ticket.objects.get(pk=ticket.pk).first_response_at == recorded
