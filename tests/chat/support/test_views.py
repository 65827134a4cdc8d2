"""Support desk pages: opening a ticket from the account, who sees it, closing and reopening,
and the staff's admin queue."""

from django.urls import reverse

from chat.support import services as support_services
from chat.support.models import Ticket, TicketStatus


def test_a_customer_opens_a_ticket_from_the_account_and_gets_a_number(client, shopper):
    client.force_login(shopper)
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert "Обращения в поддержку" in cabinet and reverse("chat:ticket_new") in cabinet
    response = client.post(reverse("chat:ticket_new"), {"subject": "Не пришёл заказ",
                                                        "body": "Заказ A-100 не доставлен", "client_id": "t-1"})
    ticket = Ticket.objects.get()
    assert ticket.code == "T-000001" and response["Location"] == "/chat/tickets/T-000001/"
    page = client.get(response["Location"]).content.decode()
    assert "T-000001" in page and "Заказ A-100 не доставлен" in page and "Открыто" in page
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert "T-000001" in cabinet and "Не пришёл заказ" in cabinet


def test_a_ticket_form_without_a_subject_is_an_error(client, shopper):
    client.force_login(shopper)
    response = client.post(reverse("chat:ticket_new"), {"subject": "", "body": "Текст"})
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_only_the_customer_and_staff_see_a_ticket(client, ticket, outsider, staff):
    client.force_login(outsider)
    assert client.get(ticket.get_absolute_url()).status_code == 404
    response = client.post(ticket.get_absolute_url(), {"body": "Я тоже"})
    assert response.status_code == 404 and ticket.room.messages.count() == 1
    client.force_login(staff)
    assert client.get(ticket.get_absolute_url()).status_code == 200


def test_a_closed_ticket_refuses_replies_until_reopened(client, ticket, shopper, staff):
    client.force_login(staff)
    client.post(reverse("chat:ticket_action", args=[ticket.code, "close"]))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    client.force_login(shopper)
    response = client.post(ticket.get_absolute_url(), {"body": "Ещё вопрос"})
    assert response.status_code == 400 and "Обращение закрыто" in response.content.decode()
    assert ticket.room.messages.count() == 1
    client.post(reverse("chat:ticket_action", args=[ticket.code, "reopen"]))
    assert client.post(ticket.get_absolute_url(), {"body": "Ещё вопрос"}).status_code == 302
    assert ticket.room.messages.count() == 2


def test_staff_assign_and_answer_from_the_site(client, ticket, staff):
    client.force_login(staff)
    client.post(reverse("chat:ticket_action", args=[ticket.code, "assign"]), {"assignee": staff.pk})
    client.post(ticket.get_absolute_url(), {"body": "Здравствуйте! Проверяем."})
    ticket.refresh_from_db()
    assert ticket.assignee == staff and ticket.status == TicketStatus.WAITING


def test_staff_work_tickets_from_the_admin_queue(client, ticket, shopper, django_user_model):
    admin = django_user_model.objects.create_superuser("gertrude", "g@example.ru", "x")
    support_services.ticket_open(customer=shopper, subject="Возврат", body="Хочу вернуть")
    client.force_login(admin)
    queue = client.get(reverse("support_tickets:index"))
    assert queue.status_code == 200 and "T-000001" in queue.content.decode() and "Возврат" in queue.content.decode()
    filtered = client.get(reverse("support_tickets:index"), {"status": "closed"}).content.decode()
    assert "Не пришёл заказ" not in filtered
    edit = client.get(reverse("support_tickets:edit", args=[ticket.pk]))
    assert "Заказ A-1 не доставлен." in edit.content.decode()
    response = client.post(reverse("support_tickets:edit", args=[ticket.pk]), {
        "status": "open", "assignee": admin.pk, "reply": "Посылка в пути, будет завтра."})
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    assert ticket.assignee == admin and ticket.status == TicketStatus.WAITING
    assert ticket.room.messages.last().body == "Посылка в пути, будет завтра."
    client.post(reverse("support_tickets:edit", args=[ticket.pk]), {"status": "closed", "assignee": admin.pk})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_by == admin


def test_shoppers_have_no_admin_queue(client, shopper):
    client.force_login(shopper)
    assert client.get(reverse("support_tickets:index")).status_code in (302, 403)


def test_the_ticket_opens_at_its_first_message_and_both_show_the_sites_time(client, ticket, shopper):
    from django.utils import timezone

    first = ticket.room.messages.order_by("pk").first()
    assert ticket.created == first.created
    client.force_login(shopper)
    page = client.get(ticket.get_absolute_url()).content.decode()
    local = timezone.localtime(first.created)  # Europe/Moscow, the site's time zone
    # Russian DATETIME_FORMAT writes the hour without a leading zero («0:04» just after midnight).
    assert f"{local.hour}:{local:%M}" in page.split("<dt>Открыто</dt>", 1)[1].split("</dd>", 1)[0]
    assert f'{local:%d.%m %H:%M}</time>' in page
