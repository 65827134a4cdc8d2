"""Who may do what: moderators moderate (and cannot publish pages), editors and support staff
cannot moderate, support staff work tickets, shoppers get nothing in the admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from community.moderation.models import QueueItem, Status
from tests.factories import UserFactory
from tests.testapp.models import Note

QUEUE = "/admin/moderation/"


def with_admin_access(user):
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def editor(db):
    user = UserFactory(username="editor", is_staff=False)
    user.groups.add(Group.objects.get(name="Editors"))  # Wagtail's page editors
    return user


@pytest.fixture
def support_agent(db):
    return with_admin_access(UserFactory(username="agent", is_staff=True))


@pytest.fixture
def pending(shopper):
    return Note.objects.create(author=shopper, text="Ждёт решения", status=Status.PENDING)


def test_a_moderator_works_the_queue_but_cannot_publish_pages(client, moderator, page_tree, pending):
    client.force_login(moderator)
    assert client.get(QUEUE).status_code == 200
    product = page_tree["products"][0]
    assert not product.permissions_for_user(moderator).can_publish()
    assert client.get(f"/admin/pages/{product.pk}/edit/").status_code in (302, 403)


def test_an_editor_cannot_moderate(client, editor, page_tree, pending):
    assert page_tree["products"][0].permissions_for_user(editor).can_edit()
    client.force_login(editor)
    assert client.get(QUEUE).status_code in (302, 403)
    item = QueueItem.objects.get()
    client.post("/admin/moderation/decide/", {"items": [item.pk], "action": "approve"})
    client.post(f"/admin/moderation/claim/{item.pk}/")
    pending.refresh_from_db()
    item.refresh_from_db()
    assert pending.status == Status.PENDING and item.claimed_by is None


def test_support_staff_see_tickets_and_figures_not_the_queue(client, support_agent, pending):
    client.force_login(support_agent)
    assert client.get(reverse("support_tickets:index")).status_code == 200
    assert client.get(reverse("support_figures")).status_code == 200
    assert client.get(QUEUE).status_code in (302, 403)
    assert client.get(f"/admin/moderation/users/{support_agent.pk}/").status_code in (302, 403)


def test_support_staff_who_are_also_moderators_see_both(client, support_agent, moderator, pending):
    support_agent.groups.set(moderator.groups.all())
    client.force_login(support_agent)
    assert client.get(QUEUE).status_code == 200
    assert client.get(reverse("support_tickets:index")).status_code == 200


def test_superusers_see_the_queue(client, django_user_model, pending):
    client.force_login(django_user_model.objects.create_superuser("gertrude", "g@example.ru", "x"))
    assert client.get(QUEUE).status_code == 200


def test_shoppers_get_nothing(client, shopper, pending):
    client.force_login(shopper)
    for url in (QUEUE, reverse("support_figures"), f"/admin/moderation/users/{shopper.pk}/"):
        assert client.get(url).status_code in (302, 403), url
