"""A catalog move keeps reputation right: the ledger's category, per-category reputation and
Expert status follow the products when Wagtail moves their category (its own move, the admin's)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from community import events
from experts.models import CategoryReputation, ExpertStatus
from tests import factories as site_factories
from tests.experts.factories import live, review, vote

EASY = {"expert_reputation": 30, "expert_voters": 3, "expert_days": 1, "expert_reviews": 1, "expert_wilson": 0.2,
        "expert_grace_days": 0}


@pytest.fixture
def received():
    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs)

    events.product_category_changed.connect(listener)
    yield seen
    events.product_category_changed.disconnect(listener)


@pytest.fixture
def laptop_expert(author, voters, laptop, laptops, rules):
    """``author`` is an Expert of «Ноутбуки» from a review of a gaming laptop voted helpful."""
    rules(**EASY)
    target = review(author, laptop)
    for voter in voters[:3]:
        vote(voter, target, True)
    assert ExpertStatus.objects.get(user=author, category=laptops).is_expert
    return author


def _points(user, category) -> int:
    row = CategoryReputation.objects.filter(user=user, category=category).first()
    return row.points if row else 0


def _assert_everything_follows_to_phones(author, laptop, laptops, phones) -> None:
    laptop.refresh_from_db()
    assert laptop.top_category_id == phones.pk
    assert {e.category_id for e in live(author)} == {phones.pk}
    assert (_points(author, phones), _points(author, laptops)) == (30, 0)
    assert ExpertStatus.objects.get(user=author, category=phones).is_expert
    assert not ExpertStatus.objects.get(user=author, category=laptops).is_expert
    author.profile.refresh_from_db()
    assert author.profile.expert_categories == [{"id": phones.pk, "title": phones.title}]
    call_command("rebuild_reputation", "--check", "--no-progress")  # exits 1 on any difference
    call_command("check_catalog", "--check", "--no-progress")


def test_moving_a_subcategory_with_wagtails_own_move_moves_products_ledger_reputation_and_expert_status(
        page_tree, laptop_expert, laptop, laptops, phones, received):
    page_tree["gaming"].move(phones, pos="last-child")
    _assert_everything_follows_to_phones(laptop_expert, laptop, laptops, phones)
    assert [e["moves"] for e in received] == [
        {laptop.pk: (laptops.pk, phones.pk), page_tree["products"][1].pk: (laptops.pk, phones.pk)}]


def test_moving_a_subcategory_in_the_admin_moves_everything_too(
        client, page_tree, laptop_expert, laptop, laptops, phones):
    admin = site_factories.UserFactory(username="claudius", is_staff=True, is_superuser=True, verified=True)
    client.force_login(admin)
    response = client.post(reverse("wagtailadmin_pages:move_confirm", args=(page_tree["gaming"].pk, phones.pk)))
    assert response.status_code == 302
    _assert_everything_follows_to_phones(laptop_expert, laptop, laptops, phones)


def test_a_top_level_category_moved_under_another_becomes_part_of_it(page_tree, laptop_expert, laptop, laptops,
                                                                       phones):
    laptops.move(phones, pos="last-child")
    laptop.refresh_from_db()
    assert laptop.top_category_id == phones.pk
    assert {e.category_id for e in live(laptop_expert)} == {phones.pk}
    assert ExpertStatus.objects.get(user=laptop_expert, category=phones).is_expert
    call_command("rebuild_reputation", "--check", "--no-progress")


def test_check_catalog_repairs_a_stale_category_and_reputation_follows(page_tree, laptop_expert, laptop, laptops,
                                                                         phones):
    from community.catalog.models import ProductPage
    from experts.models import ReputationEvent

    # As a move made before this fix left it: the tree says «Смартфоны», the keys say «Ноутбуки».
    page_tree["gaming"].move(phones, pos="last-child")
    ProductPage.objects.filter(pk=laptop.pk).update(top_category=laptops)
    ReputationEvent.objects.filter(product=laptop).update(category=laptops)
    call_command("check_catalog", "--no-progress")
    _assert_everything_follows_to_phones(laptop_expert, laptop, laptops, phones)
