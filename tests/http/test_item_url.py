"""``item_url`` gives what ``reverse`` gives, under every URL prefix, for the item actions pages
link by the dozen."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from community.http import item_url

NAMES = ["reviews:vote", "reviews:flag", "qa:answer_vote", "qa:answer_accept", "qa:answer_edit", "qa:answer_flag"]


@pytest.mark.parametrize("name", NAMES)
def test_item_url_is_reverse(name):
    for pk in (1, 7, 12345, 7_340_017_290):
        assert item_url(name, pk) == reverse(name, args=[pk])


def test_item_url_follows_the_script_prefix():
    try:
        set_script_prefix("/community/")
        assert item_url("reviews:vote", 5) == reverse("reviews:vote", args=[5])
        assert item_url("reviews:vote", 5).startswith("/community/")
    finally:
        clear_script_prefix()
    assert not item_url("reviews:vote", 5).startswith("/community/")


def test_a_name_without_one_id_is_refused():
    with pytest.raises(NoReverseMatch):
        item_url("search", 1)
