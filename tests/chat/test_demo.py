"""The demo step: conversations everywhere, tickets in every status, and nothing twice."""

import io

from chat import demo
from chat.models import Message, Room, RoomKind
from chat.support.models import CannedReply, Ticket, TicketNote, TicketStatus
from community.demo import DemoContext
from community.moderation.models import Flag
from tests.factories import UserFactory


def test_the_chat_demo_is_realistic_and_idempotent(page_tree):
    names = ["admin", "moderator", "support", "anna", "dmitry", "olga", "sergey", "elena", "ivan", "natalia",
             "pavel", "ksenia", "artem"]
    users = {name: UserFactory(username=name, is_staff=name in ("admin", "moderator", "support")) for name in names}
    context = DemoContext(progress=False, out=io.StringIO())
    context.shared.update(users=users, shoppers=[users[n] for n in names[3:]], products=page_tree["products"])
    demo.seed(context)
    counts = (Message.objects.count(), Room.objects.count(), Ticket.objects.count())
    demo.seed(context)
    assert (Message.objects.count(), Room.objects.count(), Ticket.objects.count()) == counts
    assert Room.objects.filter(kind=RoomKind.PRODUCT).count() == 3
    assert Room.objects.filter(kind=RoomKind.DIRECT).count() >= 3
    assert Room.objects.filter(kind=RoomKind.LOUNGE).exists()
    assert set(Ticket.objects.values_list("status", flat=True)) == set(TicketStatus.values)
    assert Ticket.objects.filter(tags__isnull=False).count() == Ticket.objects.count() > 50
    assert TicketNote.objects.exists() and CannedReply.objects.count() == 3
    assert Ticket.objects.filter(first_response_at__isnull=False, first_closed_at__isnull=False).count() > 50
    assert Flag.objects.filter(content_type__model="message", reason="spam").count() == 1
    assert [t.code for t in Ticket.objects.order_by("number")][:2] == ["T-000001", "T-000002"]
    for room in Room.objects.all():
        ids = list(room.messages.order_by("created").values_list("id", flat=True))
        assert ids == sorted(ids) and room.last_message_id == ids[-1]


def test_chat_messages_are_re_sanitized_as_one_paragraph(shopper, product_room):
    from django.core.management import call_command

    from chat import services

    message = services.message_post(author=shopper, room=product_room, body="Строка\nвторая https://example.com")
    Message.objects.filter(pk=message.pk).update(body_html="stale")
    call_command("resanitize", "--no-progress", stdout=io.StringIO())
    message.refresh_from_db()
    assert message.body_html.startswith("Строка<br>вторая ") and "<p>" not in message.body_html
    assert 'rel="ugc nofollow noopener"' in message.body_html
