"""The reusable moderation admin, exercised through the test app's Note viewset."""

import pytest
from wagtail.models import ModelLogEntry

from community.moderation.models import Flag, Status
from tests.testapp.models import Note

BASE = "/admin/snippets/testapp/note/"


@pytest.fixture
def notes(shopper, other_shopper):
    calm = Note.objects.create(author=shopper, text="Спокойная заметка", status=Status.PUBLISHED)
    flagged = Note.objects.create(author=shopper, text="Спорная заметка", status=Status.PUBLISHED, flag_count=1)
    Flag.objects.create(content=flagged, reporter=other_shopper, reason="spam", text="реклама")
    return calm, flagged


def test_a_moderator_lists_and_filters_flagged_content(client, moderator, notes):
    client.force_login(moderator)
    everything = client.get(BASE)
    assert everything.status_code == 200
    assert "Спокойная заметка" in everything.content.decode()
    flagged = client.get(BASE, {"flagged": "true"}).content.decode()
    assert "Спорная заметка" in flagged and "Спокойная заметка" not in flagged
    by_status = client.get(BASE, {"status": "hidden"}).content.decode()
    assert "Спорная заметка" not in by_status


def test_the_inspect_page_shows_flags(client, moderator, notes):
    client.force_login(moderator)
    page = client.get(f"{BASE}inspect/{notes[1].pk}/").content.decode()
    assert "реклама" in page
    assert f"{BASE}moderate/{notes[1].pk}/" in page


def test_a_moderator_hides_content_with_a_reason_and_it_is_audit_logged(client, moderator, notes):
    client.force_login(moderator)
    response = client.post(f"{BASE}moderate/{notes[1].pk}/", {"action": "hide", "reason": "Реклама"})
    assert response.status_code == 302
    notes[1].refresh_from_db()
    assert notes[1].status == Status.HIDDEN
    assert ModelLogEntry.objects.filter(object_id=str(notes[1].pk), action="community.moderation.hide").exists()
    history = client.get(f"{BASE}inspect/{notes[1].pk}/").content.decode()
    assert "Реклама" in history


def test_hiding_without_a_reason_shows_an_error_and_changes_nothing(client, moderator, notes):
    client.force_login(moderator)
    response = client.post(f"{BASE}moderate/{notes[0].pk}/", {"action": "hide", "reason": ""})
    assert response.status_code == 200
    notes[0].refresh_from_db()
    assert notes[0].status == Status.PUBLISHED


def test_moderators_cannot_rewrite_user_content(client, moderator, notes):
    client.force_login(moderator)
    assert client.get(f"{BASE}edit/{notes[0].pk}/").status_code in (302, 403)
    assert client.get(f"{BASE}add/").status_code in (302, 403)


def test_shoppers_cannot_reach_the_moderation_admin(client, shopper, notes):
    client.force_login(shopper)
    assert client.get(BASE).status_code in (302, 403)
    response = client.post(f"{BASE}moderate/{notes[0].pk}/", {"action": "remove", "reason": "x"})
    assert response.status_code in (302, 403)
    notes[0].refresh_from_db()
    assert notes[0].status == Status.PUBLISHED
