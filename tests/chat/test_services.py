"""Chat services: messages, idempotent resends, blocks, mutes, rate limits."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from chat import services
from chat.errors import ChatError
from chat.models import Membership, Message
from chat.permissions import can_enter_lounge
from chat.unread import unread_count
from community import events
from community.moderation.models import Status
from community.moderation.services import needs_premoderation
from tests.chat.conftest import set_send_limit


def post(user, room, body="Привет!", client_id=""):
    return services.message_post(author=user, room=room, body=body, client_id=client_id)


# --- messages --------------------------------------------------------------------------------


def test_a_message_is_stored_sanitized_and_published(shopper, product_room):
    message = post(shopper, product_room, 'Смотрите <script>alert(1)</script> https://example.com')
    assert message.status == Status.PUBLISHED
    assert "<script>" not in message.body_html
    assert 'rel="ugc nofollow noopener"' in message.body_html
    product_room.refresh_from_db()
    assert product_room.last_message_id == message.pk


def test_message_ids_increase_within_a_room(shopper, product_room):
    ids = [post(shopper, product_room, f"Сообщение {n}").pk for n in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_a_resend_with_the_same_client_id_returns_the_same_message(shopper, product_room):
    first = post(shopper, product_room, "Один раз", client_id="abc-1")
    again = post(shopper, product_room, "Один раз", client_id="abc-1")
    assert again.pk == first.pk
    assert Message.objects.filter(author=shopper).count() == 1


def test_a_client_id_used_in_another_room_is_refused(shopper, product_room, direct_room):
    post(shopper, product_room, "Один раз", client_id="abc-2")
    with pytest.raises(ChatError) as error:
        post(shopper, direct_room, "Другая комната", client_id="abc-2")
    assert error.value.code == "invalid"


def test_an_over_long_message_is_refused_and_nothing_is_stored(shopper, product_room):
    with pytest.raises(ChatError) as error:
        post(shopper, product_room, "я" * 2001)
    assert error.value.code == "invalid"
    assert "2000" in error.value.message
    assert not Message.objects.exists()


def test_an_empty_message_is_refused(shopper, product_room):
    with pytest.raises(ChatError):
        post(shopper, product_room, "   ")


def test_anonymous_users_cannot_post(product_room):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ChatError) as error:
        post(AnonymousUser(), product_room)
    assert error.value.code == "auth_required"


def test_posting_sends_message_posted_after_storing(shopper, product_room, django_capture_on_commit_callbacks):
    seen = []
    events.message_posted.connect(lambda sender, message, **kw: seen.append(message.pk), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            message = post(shopper, product_room)
    finally:
        events.message_posted.disconnect(dispatch_uid="t")
    assert seen == [message.pk]
    assert callbacks, "the broadcast waits for the commit"


def test_the_rate_limit_allows_ten_messages_in_ten_seconds(shopper, product_room):
    for n in range(10):
        post(shopper, product_room, f"№{n}")
    with pytest.raises(ChatError) as error:
        post(shopper, product_room, "одиннадцатое")
    assert error.value.code == "rate_limited"
    assert Message.objects.filter(author=shopper).count() == 10


def test_the_rate_limit_comes_from_settings_and_forgets_old_messages(shopper, product_room, settings):
    set_send_limit(settings, 2, seconds=1)
    post(shopper, product_room, "раз")
    post(shopper, product_room, "два")
    with pytest.raises(ChatError):
        post(shopper, product_room, "три")
    time.sleep(2.05)  # two one-second windows later nothing of them counts
    post(shopper, product_room, "три")


def test_a_resend_is_not_rate_limited(shopper, product_room, settings):
    set_send_limit(settings, 1)
    first = post(shopper, product_room, "раз", client_id="only-1")
    assert post(shopper, product_room, "раз", client_id="only-1").pk == first.pk


def test_an_author_edits_within_ten_minutes_only(shopper, product_room):
    message = post(shopper, product_room, "Опечатка")
    services.message_edit(author=shopper, message=message, body="Исправлено")
    message.refresh_from_db()
    assert message.body == "Исправлено" and message.edited_at
    Message.objects.filter(pk=message.pk).update(created=timezone.now() - timedelta(minutes=11))
    message.refresh_from_db()
    with pytest.raises(ChatError) as error:
        services.message_edit(author=shopper, message=message, body="Поздно")
    assert error.value.code == "edit_window"


def test_only_the_author_edits_or_deletes(shopper, other_shopper, product_room):
    message = post(shopper, product_room)
    with pytest.raises(ChatError):
        services.message_edit(author=other_shopper, message=message, body="Чужое")
    with pytest.raises(ChatError):
        services.message_delete(actor=other_shopper, message=message)


def test_a_deleted_message_loses_its_text_and_is_not_shown(shopper, product_room):
    from chat.selectors import message_page

    message = post(shopper, product_room, "Удалю")
    services.message_delete(actor=shopper, message=message)
    message.refresh_from_db()
    assert message.deleted and message.body == "" and message.body_html == ""
    assert message_page(room=product_room).messages == []


def test_a_moderator_hides_a_message_with_an_audit_log_entry(shopper, moderator, product_room):
    message = post(shopper, product_room, "Спам")
    services.message_hide(moderator=moderator, message=message, reason="Реклама")
    message.refresh_from_db()
    assert message.status == Status.HIDDEN
    assert ModelLogEntry.objects.filter(action="community.moderation.hide", object_id=str(message.pk)).exists()


def test_a_shopper_cannot_hide_messages(shopper, other_shopper, product_room):
    message = post(shopper, product_room)
    with pytest.raises(ChatError):
        services.message_hide(moderator=other_shopper, message=message, reason="Не нравится")


def test_chat_messages_do_not_lift_pre_moderation(newcomer, product_room):
    post(newcomer, product_room, "Первое сообщение в чате")
    assert needs_premoderation(newcomer)


# --- mutes ---------------------------------------------------------------------------------


def test_a_muted_user_cannot_post_until_the_mute_ends(shopper, moderator, product_room):
    services.room_mute(moderator=moderator, room=product_room, user=shopper, minutes=60, reason="Флуд")
    with pytest.raises(ChatError) as error:
        post(shopper, product_room)
    assert error.value.code == "muted"
    assert not Message.objects.exists()
    Membership.objects.filter(user=shopper).update(muted_until=timezone.now() - timedelta(seconds=1))
    post(shopper, product_room)


def test_muting_is_audit_logged_and_only_for_moderators(shopper, other_shopper, moderator, product_room):
    with pytest.raises(ChatError):
        services.room_mute(moderator=other_shopper, room=product_room, user=shopper, minutes=60)
    membership = services.room_mute(moderator=moderator, room=product_room, user=shopper, minutes=15, reason="Флуд")
    entry = ModelLogEntry.objects.get(action="chat.mute")
    assert entry.object_id == str(membership.pk) and entry.user_id == moderator.pk
    assert entry.data["minutes"] == 15 and entry.data["reason"] == "Флуд"
    services.room_unmute(moderator=moderator, room=product_room, user=shopper)
    assert ModelLogEntry.objects.filter(action="chat.unmute").exists()
    post(shopper, product_room)


# --- direct rooms and blocks -------------------------------------------------------------------


def test_a_direct_room_is_one_per_pair_whoever_starts(shopper, other_shopper):
    room = services.direct_room_for(actor=shopper, other=other_shopper)
    assert services.direct_room_for(actor=other_shopper, other=shopper) == room
    assert set(room.memberships.values_list("user__username", flat=True)) == {"hamlet", "ophelia"}


def test_nobody_writes_to_themselves(shopper):
    with pytest.raises(ChatError):
        services.direct_room_for(actor=shopper, other=shopper)


def test_only_members_write_in_a_direct_room(outsider, direct_room):
    with pytest.raises(ChatError) as error:
        post(outsider, direct_room)
    assert error.value.code == "forbidden"


def test_a_block_stops_messages_both_ways_until_lifted(shopper, other_shopper, direct_room):
    services.user_block(blocker=other_shopper, blocked=shopper)
    for author in (shopper, other_shopper):
        with pytest.raises(ChatError) as error:
            post(author, direct_room)
        assert error.value.code == "blocked"
    assert not Message.objects.exists()
    services.user_unblock(blocker=other_shopper, blocked=shopper)
    post(shopper, direct_room)


def test_a_blocked_user_cannot_start_a_conversation(shopper, other_shopper):
    services.user_block(blocker=other_shopper, blocked=shopper)
    with pytest.raises(ChatError) as error:
        services.direct_room_for(actor=shopper, other=other_shopper)
    assert error.value.code == "blocked"


def test_unread_counts_cover_direct_messages_from_others(shopper, other_shopper, direct_room):
    post(shopper, direct_room, "Привет")
    last = post(shopper, direct_room, "Ты тут?")
    assert unread_count(other_shopper.pk) == 2
    assert unread_count(shopper.pk) == 0
    services.mark_read(user=other_shopper, room=direct_room, upto=last.pk)
    assert unread_count(other_shopper.pk) == 0


# --- the lounge ----------------------------------------------------------------------------------


def test_the_lounge_is_for_staff_and_the_experts_group(staff, expert, shopper):
    from django.contrib.auth.models import AnonymousUser

    assert can_enter_lounge(staff) and can_enter_lounge(expert)
    assert not can_enter_lounge(shopper) and not can_enter_lounge(AnonymousUser())


def test_experts_by_reputation_enter_the_lounge_too(shopper):
    assert not can_enter_lounge(shopper)
    shopper.profile.expert_categories = [{"id": 1, "title": "Ноутбуки"}]
    shopper.profile.save(update_fields=["expert_categories"])
    shopper.refresh_from_db()
    assert can_enter_lounge(shopper)


def test_only_lounge_members_post_there(expert, shopper):
    room = services.lounge_room()
    post(expert, room, "Коллеги, привет")
    with pytest.raises(ChatError) as error:
        post(shopper, room)
    assert error.value.code == "forbidden"


def test_a_user_with_many_rooms_is_still_one_membership_per_room(shopper, product_room):
    for n in range(3):
        post(shopper, product_room, f"{n}")
    assert Membership.objects.filter(user=shopper, room=product_room).count() == 1
