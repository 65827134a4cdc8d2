"""The admin's roles (``community.admin_roles``), one per person over real admin URLs: each
role reaches its own work and nothing else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from community.admin_roles import ModerationPermissionPolicy, Role, SupportDeskPermissionPolicy, roles_of
from community.moderation.models import Status
from tests import factories
from tests.testapp.models import Note

pytestmark = pytest.mark.django_db

QUEUE = "/admin/snippets/testapp/note/"


@pytest.fixture
def note(shopper):
    return Note.objects.create(author=shopper, text="Текст покупателя", status=Status.PUBLISHED)


@pytest.fixture
def editor(db):
    """A member of Wagtail's own «Editors» group: edits pages, moderates nothing."""
    user = factories.UserFactory(username="osric", verified=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def support_agent(db):
    """Support staff: staff with admin access and no moderation permission."""
    user = factories.UserFactory(username="bernardo", is_staff=True, verified=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"))
    return user


def assert_cannot_moderate(client, note) -> None:
    """The queue is closed to the signed-in client, and a moderation POST changes nothing."""
    assert client.get(QUEUE).status_code in (302, 403)
    for action in ("hide", "remove"):
        response = client.post(f"{QUEUE}moderate/{note.pk}/", {"action": action, "reason": "x"})
        assert response.status_code in (302, 403)
    note.refresh_from_db()
    assert note.status == Status.PUBLISHED


def test_each_person_has_the_roles_of_their_account(moderator, support_agent, editor, shopper, django_user_model):
    root = django_user_model.objects.create_superuser("claudius", "c@example.ru", "x")
    assert roles_of(moderator) == {Role.MODERATOR}
    assert roles_of(support_agent) == {Role.SUPPORT}
    assert roles_of(editor) == set() and roles_of(shopper) == set()
    assert roles_of(root) == {Role.SUPERUSER, Role.MODERATOR, Role.SUPPORT}


def test_the_policy_lists_the_same_people_it_lets_in(moderator, support_agent, editor, shopper):
    moderators = ModerationPermissionPolicy(Note).users_with_permission("moderate")
    assert list(moderators) == [moderator]
    agents = SupportDeskPermissionPolicy(Note).users_with_permission("change")
    assert list(agents) == [support_agent]
    assert not SupportDeskPermissionPolicy(Note).users_with_permission("delete").exists()


def test_a_moderator_moderates_but_cannot_publish_pages(client, moderator, note, product):
    client.force_login(moderator)
    assert client.get(QUEUE).status_code == 200
    assert not product.permissions_for_user(moderator).can_publish()
    response = client.post(reverse("wagtailadmin_pages:edit", args=[product.pk]),
                           {"title": "Переименован", "slug": product.slug, "action-publish": "1"})
    assert response.status_code in (302, 403)
    product.refresh_from_db()
    assert product.title != "Переименован"


def test_an_editor_edits_pages_but_cannot_moderate(client, editor, note, product):
    client.force_login(editor)
    assert product.permissions_for_user(editor).can_edit()
    assert_cannot_moderate(client, note)


def test_support_staff_see_tickets_but_not_the_moderation_queue(client, support_agent, note):
    client.force_login(support_agent)
    assert client.get(reverse("support_tickets:index")).status_code == 200
    assert_cannot_moderate(client, note)


def test_a_shopper_reaches_neither_queue(client, shopper, note):
    client.force_login(shopper)
    assert client.get(QUEUE).status_code in (302, 403)
    assert client.get(reverse("support_tickets:index")).status_code in (302, 403)
