"""The writer's batches (``chat.ingest.store_batch``): each send succeeds or fails alone, a busy
public room is looked up once per batch, and a room created by a refused send is not reused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import rooms
from chat.errors import ChatError
from chat.ingest import store_batch
from chat.models import Message, Room, RoomKind

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refused_first_send_does_not_leave_a_room_the_next_sends_would_use(product, shopper, other_shopper):
    key = rooms.product_key(product.pk)
    assert not Room.objects.filter(kind=RoomKind.PRODUCT, product=product).exists()
    outcomes, layer_sends = store_batch([
        (shopper, key, "   ", "c-empty", "ru"),  # creates the room, then is refused: rolled back with it
        (other_shopper, key, "Как батарея?", "c-1", "ru"),
        (shopper, key, "Держит день", "c-2", "ru"),
    ])
    assert isinstance(outcomes[0], ChatError) and outcomes[0].code == "invalid"
    room = Room.objects.get(kind=RoomKind.PRODUCT, product=product)
    assert [m.body for m in Message.objects.filter(room=room)] == ["Как батарея?", "Держит день"]
    assert outcomes[1:] == list(Message.objects.filter(room=room).values_list("pk", flat=True))
    assert len(layer_sends) == 2


def test_a_busy_room_is_looked_up_once_per_batch(product, shopper, other_shopper):
    key = rooms.product_key(product.pk)
    store_batch([(shopper, key, "первое", "warm-up", "ru")])

    def queries_for(count: int) -> int:
        sends = [((shopper, other_shopper)[n % 2], key, f"сообщение {count}-{n}", f"c-{count}-{n}", "ru")
                 for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            outcomes, _sends = store_batch(sends)
        assert all(isinstance(outcome, int) for outcome in outcomes)
        return len(queries)

    one, eleven = queries_for(1), queries_for(11)
    lookups = 2  # the product and its room
    assert eleven - one <= 10 * (one - lookups), "every send of a batch but the first skips the room lookup"


def test_a_chat_line_enqueues_no_reference_index_task(product_room, shopper):
    from django_tasks_db.models import DBTaskResult

    from chat import services

    before = set(DBTaskResult.objects.values_list("pk", flat=True))
    services.message_post(author=shopper, room=product_room, body="Без фоновых задач", client_id="ref-1")
    queued = DBTaskResult.objects.exclude(pk__in=before).values_list("task_path", flat=True)
    assert not [path for path in queued if "reference_index" in path]
