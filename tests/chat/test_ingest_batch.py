"""The writer's batches (``chat.ingest.store_batch``): each send succeeds or fails alone, a busy
public room is looked up once per batch, and a room created by a refused send is not reused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
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


# --- a busy public room's sends stored together (services.message_post_many) -------------------


def _stored(room) -> list[tuple[str, str]]:
    return [(m.author.username, m.body) for m in Message.objects.filter(room=room).select_related("author")]


def test_sends_to_one_room_are_checked_alone_and_stored_together_in_order(
        product, shopper, other_shopper, moderator, settings):
    from chat import services
    from chat.models import Membership
    from community import ratelimit
    from community.moderation import sanctions
    from tests.chat.conftest import set_send_limit
    from tests.factories import UserFactory

    set_send_limit(settings, 2)
    room = services.product_room_for(product)
    elsewhere = services.direct_room_for(actor=shopper, other=other_shopper)
    services.message_post(author=shopper, room=room, body="было раньше", client_id="old")
    services.message_post(author=shopper, room=elsewhere, body="в личке", client_id="private")
    muted_here, muted_everywhere = UserFactory(username="laertes"), UserFactory(username="osric")
    services.room_mute(moderator=moderator, room=room, user=muted_here, minutes=30)
    sanctions.user_mute(moderator=moderator, user=muted_everywhere, days=1, reason="Флуд")
    ratelimit.reset_all()  # the sends above do not count
    before = Room.objects.get(pk=room.pk).last_message_id
    key = rooms.product_key(product.pk)
    outcomes, layer_sends = store_batch([
        (other_shopper, key, "первое", "a-1", "ru"),
        (muted_here, key, "меня не слышно", "m-1", "ru"),
        (shopper, key, "повтор старого", "old", "ru"),  # stored before: that message's id, nothing new
        (other_shopper, key, "\u200b", "a-2", "en"),  # shows nothing: refused, in English
        (shopper, key, "второе", "s-1", "ru"),
        (other_shopper, key, "первое", "a-1", "ru"),  # a resend within the batch: the first one's id
        (muted_everywhere, key, "и меня", "o-1", "ru"),
        (shopper, key, "не туда", "private", "ru"),  # this client_id names a message of another room
        (other_shopper, key, "третье", "a-3", "ru"),
        (other_shopper, key, "четвёртое", "a-4", "ru"),  # over the limit of 2 sends
        (AnonymousUser(), key, "аноним", "x-1", "ru"),
    ])
    codes = [o.code if isinstance(o, ChatError) else o for o in outcomes]
    first, old, second, third = (Message.objects.get(client_id=c).pk for c in ("a-1", "old", "s-1", "a-3"))
    assert codes == [first, "muted", old, "invalid", second, first, "muted", "invalid", third, "rate_limited",
                     "auth_required"]
    assert outcomes[3].message == "The text cannot be empty."  # in the send's language
    assert outcomes[6].message.startswith("Вы не можете публиковать до") and "Флуд" in outcomes[6].message
    assert before < first < second < third
    assert _stored(room)[-3:] == [("ophelia", "первое"), ("hamlet", "второе"), ("ophelia", "третье")]
    assert Room.objects.get(pk=room.pk).last_message_id == third
    read = dict(Membership.objects.filter(room=room).values_list("user__username", "last_read_id"))
    assert read["ophelia"] == third and read["hamlet"] == second
    # Broadcast after the commit, in order, each naming the one before it.
    assert [(m["id"], m["prev"]) for _group, m in layer_sends] == [(first, before), (second, first), (third, second)]
    assert {group for group, _m in layer_sends} == {f"chat.product.{product.pk}"}


def test_a_group_costs_the_same_statements_whatever_its_size(product, shopper, other_shopper):
    from tests.factories import UserFactory

    key = rooms.product_key(product.pk)
    people = [shopper, other_shopper, *(UserFactory(username=f"guest{n}") for n in range(8))]
    store_batch([(person, key, "здравствуйте", f"hi-{person.pk}", "ru") for person in people])

    def statements(count: int) -> int:
        sends = [(people[n % len(people)], key, f"сообщение {count}-{n}", f"c-{count}-{n}", "ru")
                 for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            outcomes, _sends = store_batch(sends)
        assert all(isinstance(outcome, int) for outcome in outcomes)
        return len(queries)

    assert statements(2) == statements(40) <= 16


def test_when_a_receiver_refuses_one_message_the_rest_of_the_group_is_stored_one_by_one(
        product, shopper, other_shopper):
    from community import events

    def refuse_the_forbidden_word(sender, message, **kwargs):
        if "запретное" in message.body:
            raise ChatError("forbidden", "Нельзя")

    events.message_posted.connect(refuse_the_forbidden_word, dispatch_uid="test.refuse")
    try:
        key = rooms.product_key(product.pk)
        outcomes, layer_sends = store_batch([
            (shopper, key, "можно", "ok-1", "ru"),
            (other_shopper, key, "запретное слово", "no-1", "ru"),
            (shopper, key, "тоже можно", "ok-2", "ru"),
        ])
    finally:
        events.message_posted.disconnect(dispatch_uid="test.refuse")
    assert isinstance(outcomes[1], ChatError) and outcomes[1].code == "forbidden"
    room = Room.objects.get(kind=RoomKind.PRODUCT, product=product)
    assert _stored(room) == [("hamlet", "можно"), ("hamlet", "тоже можно")]
    assert [outcomes[0], outcomes[2]] == list(Message.objects.filter(room=room).values_list("pk", flat=True))
    assert [m["id"] for _group, m in layer_sends] == [outcomes[0], outcomes[2]]


def test_the_lounge_takes_experts_and_refuses_the_others_in_one_group(shopper, expert):
    outcomes, _sends = store_batch([
        (expert, rooms.LOUNGE_KEY, "коллеги, привет", "l-1", "ru"),
        (shopper, rooms.LOUNGE_KEY, "и я зайду", "l-2", "ru"),
    ])
    assert isinstance(outcomes[0], int)
    assert isinstance(outcomes[1], ChatError) and outcomes[1].code == "forbidden"
    assert _stored(Room.objects.get(kind=RoomKind.LOUNGE)) == [("yorick", "коллеги, привет")]


def test_sends_to_a_product_that_is_not_live_are_refused_and_leave_no_room(product, shopper):
    product.unpublish()
    outcomes, layer_sends = store_batch([(shopper, rooms.product_key(product.pk), "есть кто?", "n-1", "en")])
    assert outcomes[0].code == "not_found" and outcomes[0].message == "There is no such conversation."
    assert not Room.objects.filter(kind=RoomKind.PRODUCT, product=product).exists() and layer_sends == []


def test_copies_sent_together_still_reach_the_moderators_queue(product, shopper, other_shopper):
    """Each message of a group is saved as a save would (``post_save``): the "same text across
    accounts" signal sees copies within one batch."""
    from django.contrib.contenttypes.models import ContentType

    from community.moderation.models import QueueItem

    spam = "Лучшие цены на ноутбуки только у нас, пишите в телеграм, доставка за один день"
    key = rooms.product_key(product.pk)
    outcomes, _sends = store_batch([(shopper, key, spam, "s-1", "ru"), (other_shopper, key, spam, "s-2", "ru")])
    ct = ContentType.objects.get_for_model(Message)
    assert set(QueueItem.objects.filter(content_type=ct, is_open=True).values_list("object_id", flat=True)) == set(
        outcomes)


def test_a_batch_reaches_the_layer_once_per_room_and_the_hubs_deliver_each_message_in_order():
    from chat.ingest import coalesce

    def new(group: str, message_id: int) -> tuple[str, dict]:
        return group, {"type": "chat.message", "room": group[5:], "id": message_id, "prev": message_id - 1,
                       "texts": {"ru": f"m{message_id}"}}

    typing = ("chat.product.1", {"type": "chat.event", "room": "product:1", "text": "t"})
    joined = coalesce([new("chat.product.1", 5), new("chat.product.1", 6), new("chat.room.9", 7), typing,
                       new("chat.product.1", 8)])
    assert joined == [
        ("chat.product.1", {"type": "chat.messages", "room": "product.1", "messages": [
            {"id": 5, "prev": 4, "texts": {"ru": "m5"}}, {"id": 6, "prev": 5, "texts": {"ru": "m6"}}]}),
        new("chat.room.9", 7), typing, new("chat.product.1", 8),
    ]


def test_a_batch_of_long_messages_is_compared_for_copies_in_a_fixed_number_of_queries(product, shopper,
                                                                                      other_shopper):
    """Texts of six words or more are fingerprinted ("same text across accounts"): once for the
    batch, not two statements per message (that was 60 % of the writer's time)."""
    from community.moderation.models import TextFingerprint

    key = rooms.product_key(product.pk)
    store_batch([(shopper, key, "первое", "warm-up", "ru")])

    def queries_for(count: int) -> int:
        sends = [((shopper, other_shopper)[n % 2], key, f"Сообщение {count}-{n}: как вам этот товар, стоит брать?",
                  f"long-{count}-{n}", "ru") for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            outcomes, _sends = store_batch(sends)
        assert all(isinstance(outcome, int) for outcome in outcomes)
        assert TextFingerprint.objects.filter(object_id__in=outcomes).count() == count
        return len(queries)

    assert queries_for(1) == queries_for(11)


def test_the_same_text_from_two_accounts_in_one_batch_raises_both(product, shopper, other_shopper):
    from django.contrib.contenttypes.models import ContentType

    from community.moderation.models import QueueItem

    spam = "Лучшие цены на ноутбуки только у нас, пишите в телеграм"
    key = rooms.product_key(product.pk)
    outcomes, _sends = store_batch([(shopper, key, spam, "spam-1", "ru"), (other_shopper, key, spam.upper(), "spam-2", "ru"),
                                    (shopper, key, "Совсем другой текст, ни на что не похожий вообще", "own", "ru")])
    ct = ContentType.objects.get_for_model(Message)
    items = {item.object_id: item for item in QueueItem.objects.filter(content_type=ct)}
    assert set(items) == set(outcomes[:2])
    for this, that in ((outcomes[0], outcomes[1]), (outcomes[1], outcomes[0])):
        [reason] = [r for r in items[this].reasons if r["code"] == "signal"]
        assert reason["evidence"]["other_id"] == that


def test_a_client_id_is_matched_with_its_author_only(product, shopper, other_shopper):
    """The batch finds earlier sends by (author, client_id) pairs: another author's equal
    client_id is another message."""
    key = rooms.product_key(product.pk)
    [mine], _sends = store_batch([(shopper, key, "моё", "same-id", "ru")])
    again, theirs = store_batch([(shopper, key, "моё", "same-id", "ru"), (other_shopper, key, "их", "same-id", "ru")])[0]
    assert again == mine and theirs != mine
    assert Message.objects.get(pk=theirs).author == other_shopper
