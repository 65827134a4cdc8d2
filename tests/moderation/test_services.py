import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from wagtail.models import ModelLogEntry

from community import events
from community.moderation import services
from community.moderation.models import Flag, Status
from tests.factories import UserFactory
from tests.testapp.models import Note


@pytest.fixture
def note(shopper):
    return Note.objects.create(author=shopper, text="Отличный товар", status=Status.PUBLISHED)


def trusted(name):
    return UserFactory(username=name, verified=True, date_joined=timezone.now() - timezone.timedelta(days=10))


def test_a_flag_is_recorded_and_counted(note, other_shopper):
    flag = services.flag(reporter=other_shopper, content=note, reason="spam", text="реклама")
    note.refresh_from_db()
    assert flag.content == note
    assert note.flag_count == 1
    assert note.status == Status.PUBLISHED


def test_a_user_cannot_flag_twice(note, other_shopper):
    services.flag(reporter=other_shopper, content=note, reason="spam")
    with pytest.raises(services.ModerationError):
        services.flag(reporter=other_shopper, content=note, reason="offensive")
    note.refresh_from_db()
    assert note.flag_count == 1
    assert Flag.objects.count() == 1


def test_a_user_cannot_flag_their_own_content(note, shopper):
    with pytest.raises(services.ModerationError):
        services.flag(reporter=shopper, content=note, reason="spam")


def test_an_unknown_reason_is_refused(note, other_shopper):
    with pytest.raises(services.ModerationError):
        services.flag(reporter=other_shopper, content=note, reason="because")
    assert Flag.objects.count() == 0


def test_three_trusted_flags_hide_the_content(note):
    for name in ("a1", "a2", "a3"):
        services.flag(reporter=trusted(name), content=note, reason="spam")
    note.refresh_from_db()
    assert note.status == Status.HIDDEN
    assert ModelLogEntry.objects.filter(action="community.moderation.hide", object_id=str(note.pk)).exists()


def test_flags_from_brand_new_accounts_do_not_hide_content(note):
    for name in ("n1", "n2", "n3"):
        services.flag(reporter=UserFactory(username=name, date_joined=timezone.now()), content=note, reason="spam")
    note.refresh_from_db()
    assert note.status == Status.PUBLISHED
    assert note.flag_count == 3


def test_a_moderator_hides_with_a_reason_written_to_the_audit_log(note, moderator, other_shopper):
    services.flag(reporter=other_shopper, content=note, reason="offensive")
    received = []
    events.content_moderated.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t1")
    try:
        services.moderate(moderator=moderator, content=note, action="hide", reason="Оскорбления")
    finally:
        events.content_moderated.disconnect(dispatch_uid="t1")
    note.refresh_from_db()
    assert note.status == Status.HIDDEN
    assert note.moderated_by == moderator
    assert note.moderation_reason == "Оскорбления"
    entry = ModelLogEntry.objects.get(action="community.moderation.hide", object_id=str(note.pk))
    assert entry.user == moderator
    assert entry.data["reason"] == "Оскорбления"
    assert Flag.objects.get().upheld is True
    assert received[0]["previous_status"] == Status.PUBLISHED


def test_hiding_without_a_reason_is_refused_and_nothing_changes(note, moderator):
    with pytest.raises(services.ModerationError):
        services.moderate(moderator=moderator, content=note, action="hide", reason=" ")
    note.refresh_from_db()
    assert note.status == Status.PUBLISHED
    assert not ModelLogEntry.objects.filter(object_id=str(note.pk), action__startswith="community.").exists()


def test_a_shopper_cannot_moderate(note, other_shopper):
    with pytest.raises(PermissionDenied):
        services.moderate(moderator=other_shopper, content=note, action="remove", reason="x")


def test_transitions_follow_the_state_machine(shopper, moderator):
    pending = Note.objects.create(author=shopper, text="новое")
    with pytest.raises(services.ModerationError):
        services.moderate(moderator=moderator, content=pending, action="restore")
    services.moderate(moderator=moderator, content=pending, action="reject", reason="не по теме")
    assert pending.status == Status.REJECTED
    services.moderate(moderator=moderator, content=pending, action="approve")
    assert pending.status == Status.PUBLISHED
    services.moderate(moderator=moderator, content=pending, action="remove", reason="спам")
    services.moderate(moderator=moderator, content=pending, action="restore")
    pending.refresh_from_db()
    assert pending.status == Status.PUBLISHED


def test_approving_dismisses_open_flags(note, moderator, other_shopper):
    services.moderate(moderator=moderator, content=note, action="hide", reason="проверка")
    Flag.objects.create(content=note, reporter=other_shopper, reason="spam")
    services.moderate(moderator=moderator, content=note, action="approve")
    assert Flag.objects.get().upheld is False


def test_new_users_are_premoderated_until_their_first_publication(shopper, settings):
    settings.MODERATION_PREMODERATE_FIRST = 1
    assert services.initial_status(shopper) == Status.PENDING
    Note.objects.create(author=shopper, text="первая", status=Status.PUBLISHED)
    assert services.initial_status(shopper) == Status.PUBLISHED


def test_staff_are_never_premoderated(staff):
    assert services.initial_status(staff) == Status.PUBLISHED


def test_visible_to_shows_published_and_the_authors_own_pending(shopper, other_shopper):
    Note.objects.create(author=shopper, text="видно всем", status=Status.PUBLISHED)
    Note.objects.create(author=shopper, text="моё на модерации", status=Status.PENDING)
    Note.objects.create(author=other_shopper, text="чужое на модерации", status=Status.PENDING)
    assert Note.objects.visible_to(shopper).count() == 2
    assert Note.objects.visible_to(other_shopper).count() == 2
    assert Note.objects.published().count() == 1
