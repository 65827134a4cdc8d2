"""Support desk services: gapless numbers, status following the dialog, closing, assigning."""

import pytest

from chat.errors import ChatError
from chat.models import Membership
from chat.support import services as support_services
from chat.support.models import Ticket, TicketStatus
from chat.unread import unread_count
from community import events
from tests.chat.conftest import set_send_limit


def test_tickets_are_numbered_without_gaps(shopper, other_shopper):
    first = support_services.ticket_open(customer=shopper, subject="Доставка", body="Где заказ?")
    second = support_services.ticket_open(customer=other_shopper, subject="Возврат", body="Хочу вернуть")
    assert (first.code, second.code) == ("T-000001", "T-000002")
    assert first.status == TicketStatus.OPEN
    assert first.room.messages.get().body == "Где заказ?"


def test_a_ticket_needs_a_subject_and_a_message(shopper):
    with pytest.raises(ChatError):
        support_services.ticket_open(customer=shopper, subject="  ", body="Текст")
    with pytest.raises(ChatError):
        support_services.ticket_open(customer=shopper, subject="Тема", body="")
    assert not Ticket.objects.exists()


def test_a_staff_answer_waits_for_the_customer_and_the_customer_reopens_the_wait(ticket, shopper, staff):
    support_services.ticket_reply(author=staff, ticket=ticket, body="Проверяем")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    support_services.ticket_reply(author=shopper, ticket=ticket, body="Спасибо, жду")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_only_the_customer_or_staff_post_in_a_ticket(ticket, outsider):
    with pytest.raises(ChatError) as error:
        support_services.ticket_reply(author=outsider, ticket=ticket, body="Я тоже")
    assert error.value.code == "forbidden"


def test_only_the_customer_or_staff_close_a_ticket(ticket, outsider, shopper, staff):
    with pytest.raises(ChatError):
        support_services.ticket_close(actor=outsider, ticket=ticket)
    support_services.ticket_close(actor=shopper, ticket=ticket)
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_by_id == shopper.pk
    support_services.ticket_reopen(actor=staff, ticket=ticket)
    support_services.ticket_close(actor=staff, ticket=ticket)
    assert ticket.closed_by_id == staff.pk


def test_a_closed_ticket_is_read_only_until_reopened(ticket, shopper, staff):
    support_services.ticket_close(actor=staff, ticket=ticket)
    for author in (shopper, staff):
        with pytest.raises(ChatError) as error:
            support_services.ticket_reply(author=author, ticket=ticket, body="Ещё вопрос")
        assert error.value.code == "ticket_closed"
    assert ticket.room.messages.count() == 1
    with pytest.raises(ChatError):
        support_services.ticket_close(actor=shopper, ticket=ticket)
    support_services.ticket_reopen(actor=shopper, ticket=ticket)
    support_services.ticket_reply(author=shopper, ticket=ticket, body="Ещё вопрос")
    assert ticket.room.messages.count() == 2


def test_ticket_changes_send_ticket_changed(ticket, staff):
    seen = []
    events.ticket_changed.connect(lambda sender, ticket, previous_status, actor, **kw: seen.append(
        (previous_status, ticket.status)), weak=False, dispatch_uid="t")
    try:
        support_services.ticket_close(actor=staff, ticket=ticket)
        support_services.ticket_reopen(actor=staff, ticket=ticket)
    finally:
        events.ticket_changed.disconnect(dispatch_uid="t")
    assert seen == [("open", "closed"), ("closed", "open")]


def test_tickets_are_assigned_to_staff_by_staff(ticket, staff, shopper):
    with pytest.raises(ChatError):
        support_services.ticket_assign(actor=shopper, ticket=ticket, assignee=staff)
    with pytest.raises(ChatError):
        support_services.ticket_assign(actor=staff, ticket=ticket, assignee=shopper)
    support_services.ticket_assign(actor=staff, ticket=ticket, assignee=staff)
    ticket.refresh_from_db()
    assert ticket.assignee == staff
    assert Membership.objects.filter(user=staff, room=ticket.room).exists()


def test_the_customer_sees_unread_staff_answers(ticket, shopper, staff):
    support_services.ticket_reply(author=staff, ticket=ticket, body="Ответ")
    assert unread_count(shopper.pk) == 1


def test_staff_set_open_or_waiting_by_hand(ticket, staff, shopper):
    support_services.ticket_status_set(actor=staff, ticket=ticket, status=TicketStatus.WAITING)
    assert ticket.status == TicketStatus.WAITING
    with pytest.raises(ChatError):
        support_services.ticket_status_set(actor=shopper, ticket=ticket, status=TicketStatus.OPEN)


def test_a_tickets_first_message_counts_toward_ticket_creation_not_chat_sends(shopper, settings):
    set_send_limit(settings, 1)
    ticket = support_services.ticket_open(customer=shopper, subject="Доставка", body="Где заказ?")
    support_services.ticket_reply(author=shopper, ticket=ticket, body="И ещё: номер заказа 123")  # the one send
    with pytest.raises(ChatError) as error:
        support_services.ticket_reply(author=shopper, ticket=ticket, body="И третье")
    assert error.value.code == "rate_limited"
    assert list(ticket.room.messages.order_by("id").values_list("body", flat=True)) == [
        "Где заказ?", "И ещё: номер заказа 123"]
