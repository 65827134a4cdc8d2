"""The layout names no app: header items and static bundles come from hooks
(``community/layout.py``), and each page loads only the bundles of what it shows."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from wagtail import hooks

from community import layout
from community.layout import AssetBundle, HeaderItem

pytestmark = pytest.mark.django_db


def assets_of(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<link rel="stylesheet" href="/static/([^"]+)">', html) + \
        re.findall(r'<script src="/static/([^"]+)" defer></script>', html)


def test_a_category_page_loads_only_the_core_assets_for_a_visitor(client, page_tree):
    # The core's, and the layout's own enhancement: the header search box's combobox.
    assert assets_of(client.get(page_tree["laptops"].url)) == [
        "css/site.css", "search/search.css", "js/site.js", "search/combobox.js"]


def test_a_signed_in_shopper_gets_the_messages_link_and_its_script_on_every_page(client, page_tree, shopper):
    client.force_login(shopper)
    response = client.get(page_tree["laptops"].url)
    assert assets_of(response) == ["css/site.css", "search/search.css", "css/chat.css",
                                   "js/site.js", "search/combobox.js", "js/chat.js"]
    assert 'class="chat-header-link" data-chat-unread-link' in response.content.decode()


def test_a_product_page_loads_the_bundles_of_its_sections_once_each(client, product):
    assets = assets_of(client.get(product.url))
    assert assets == ["css/site.css", "search/search.css", "css/reviews.css", "css/qa.css", "css/chat.css",
                      "js/site.js", "search/combobox.js", "js/reviews.js", "js/qa.js", "js/chat.js"]


def test_an_apps_own_pages_load_its_bundle_and_no_other(client, product):
    assets = assets_of(client.get(product.url + product.reverse_subpage("qa_question_list")))
    assert assets == ["css/site.css", "search/search.css", "css/qa.css", "js/site.js", "search/combobox.js", "js/qa.js"]


def test_a_header_item_registered_by_an_app_is_rendered_in_the_header(client, page_tree):
    def seven_unread(request):
        return HeaderItem(key="probe", template="chat/header_link.html", context={"signed_in": True, "unread": 7})

    with hooks.register_temporarily("header_items", seven_unread):
        html = client.get(page_tree["laptops"].url).content.decode()
    start = html.index('<nav class="account-nav"')
    header = html[start:html.index("</nav>", start)]
    assert "<span data-chat-unread-count>7</span>" in header


def test_a_section_naming_an_unknown_bundle_is_a_clear_configuration_error():
    class Section:
        assets = ("nothing-registers-this",)

    with pytest.raises(ImproperlyConfigured, match="nothing-registers-this"):
        layout.page_assets(sections=[Section()])


def test_bundles_are_registered_by_their_apps():
    bundles = layout.asset_bundles()
    assert set(bundles) >= {"reviews", "qa", "chat", "experts"}
    assert all(isinstance(b, AssetBundle) for b in bundles.values())
