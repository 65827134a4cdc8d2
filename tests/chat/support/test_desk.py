"""The support desk's tools: claim, internal notes, canned replies, topics, the SLA clock, and
the support figures page (fixed queries with 10,000 tickets)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.models import Room, RoomKind
from chat.support import services as support_services
from chat.support.figures import percentile, support_figures
from chat.support.models import CannedReply, Ticket, TicketStatus, TicketTag


def test_the_sla_clock_records_the_first_staff_answer_and_resolution(ticket, shopper, staff):
    assert ticket.first_response_at is None
    support_services.ticket_reply(author=shopper, ticket=ticket, body="Есть новости?")
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # the customer's own messages do not count
    support_services.ticket_reply(author=staff, ticket=ticket, body="Проверяем")
    ticket.refresh_from_db()
    first = ticket.first_response_at
    assert first is not None and ticket.time_to_first_answer >= timedelta(0)
    support_services.ticket_reply(author=staff, ticket=ticket, body="Ещё проверяем")
    support_services.ticket_close(actor=staff, ticket=ticket)
    support_services.ticket_reopen(actor=shopper, ticket=ticket)
    support_services.ticket_close(actor=shopper, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.first_response_at == first and ticket.reopen_count == 1 and ticket.first_closed_at < ticket.closed_at


def admin_access(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def test_staff_claim_tag_note_and_answer_with_a_canned_reply_in_the_admin(client, ticket, staff, shopper):
    admin_access(staff)
    delivery = TicketTag.objects.create(name="Доставка")
    canned = CannedReply.objects.create(title="Посылка в пути", body="Ваша посылка в пути, курьер позвонит заранее.")
    client.force_login(staff)
    response = client.post(reverse("support_tickets:edit", args=[ticket.pk]), {
        "status": "open", "claim": "on", "assignee": "", "tags": [delivery.pk], "canned": canned.pk, "reply": "",
        "note": "Клиент звонил, просил перезвонить после 18:00"})
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert ticket.assignee == staff and list(ticket.tags.all()) == [delivery]
    assert ticket.room.messages.last().body == canned.body and ticket.status == TicketStatus.WAITING
    assert ticket.notes.get().author == staff
    edit = client.get(reverse("support_tickets:edit", args=[ticket.pk])).content.decode()
    assert "перезвонить после 18:00" in edit
    client.force_login(shopper)
    customer_page = client.get(ticket.get_absolute_url()).content.decode()
    assert "перезвонить после 18:00" not in customer_page and canned.body in customer_page


def test_notes_are_for_staff_only(ticket, shopper):
    from chat.errors import ChatError

    with pytest.raises(ChatError):
        support_services.ticket_note_add(author=shopper, ticket=ticket, text="Я тоже хочу заметку")


def test_percentiles_interpolate():
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and percentile([], 0.9) is None
    assert percentile([10] * 9 + [100], 0.9) == pytest.approx(19.0)


def test_the_figures_count_weeks_sla_per_agent_reopens_and_topics(ticket, staff, shopper):
    tag = TicketTag.objects.create(name="Возврат")
    ticket.tags.add(tag)
    support_services.ticket_assign(actor=staff, ticket=ticket, assignee=staff)
    support_services.ticket_reply(author=staff, ticket=ticket, body="Оформили возврат")
    support_services.ticket_close(actor=staff, ticket=ticket)
    figures = support_figures()
    assert figures.total == 1 and sum(w.opened for w in figures.weeks) == 1 and sum(w.closed for w in figures.weeks) == 1
    assert figures.overall["answered"] == 1 and figures.agents[0][0] == staff.username
    assert figures.topics == [("Возврат", 1)] and figures.reopen_rate == 0


def test_the_figures_page_costs_the_same_queries_with_10000_tickets(client, staff, shopper,
                                                                     django_assert_max_num_queries):
    admin_access(staff)
    now = timezone.now()
    rooms = Room.objects.bulk_create([Room(kind=RoomKind.TICKET) for _ in range(10_000)])
    tags = TicketTag.objects.bulk_create([TicketTag(name=f"Тема {i}") for i in range(12)])
    tickets = Ticket.objects.bulk_create([
        Ticket(room=room, number=i + 1, subject=f"Вопрос {i}", customer=shopper, assignee=staff if i % 2 else None,
               status=TicketStatus.CLOSED if i % 3 else TicketStatus.OPEN,
               created=now - timedelta(hours=i % (24 * 80)),
               first_response_at=now - timedelta(hours=i % (24 * 80)) + timedelta(minutes=5 + i % 300),
               first_closed_at=(now - timedelta(hours=i % (24 * 80)) + timedelta(hours=1 + i % 48)) if i % 3 else None,
               reopen_count=1 if i % 17 == 0 else 0)
        for i, room in enumerate(rooms)], batch_size=2000)
    Ticket.tags.through.objects.bulk_create(
        [Ticket.tags.through(ticket_id=t.pk, tickettag_id=tags[t.number % 12].pk) for t in tickets], batch_size=5000)
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("support_figures"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<polyline" in html and "Тема" in html


def test_only_staff_see_the_figures(client, shopper, moderator):
    for user in (shopper, admin_access(moderator)):
        client.force_login(user)
        assert client.get(reverse("support_figures")).status_code in (302, 403)
