"""A message's frame: its ``html`` is the list item the page renders, in each UI language; the
author component is rendered once per process for the same inputs and follows every change."""

from __future__ import annotations

import json

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from chat import frames, services
from chat.models import Message
from community.accounts.models import Profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_renders():
    """The process keeps rendered messages by id, and ids are reused between tests."""
    frames._rendered.clear()
    frames._authors.clear()


def _page_html(message: Message, language: str) -> str:
    """The item as the page renders it without JS (no cached author component)."""
    with translation.override(language):
        return render_to_string("chat/_message.html", {"message": message, "viewer": None, "support": False})


def _frame_html(message_id: int, language: str) -> str:
    message = Message.objects.select_related("author__profile", "room").get(pk=message_id)
    return json.loads(frames.message_texts(message, room="product:1")[language])["message"]["html"]


def test_the_frame_shows_the_item_the_page_renders_in_each_language(product_room, shopper, other_shopper):
    for n, author in enumerate((shopper, other_shopper, shopper)):
        services.message_post(author=author, room=product_room, body=f"Реплика {n}")
    for message in Message.objects.select_related("author__profile", "room"):
        for language in ("ru", "en"):
            assert _frame_html(message.pk, language) == _page_html(message, language)
    assert _frame_html(message.pk, "en") != _frame_html(message.pk, "ru")


def test_a_renamed_author_or_a_new_expert_status_shows_in_the_next_frame(product_room, shopper):
    first = services.message_post(author=shopper, room=product_room, body="До")
    assert "Гамлет" not in _frame_html(first.pk, "ru")
    Profile.objects.filter(user=shopper).update(display_name="Гамлет", expert_categories=[
        {"id": 1, "title": "Ноутбуки", "slug": "laptops"}])
    second = services.message_post(author=shopper, room=product_room, body="После")
    html = _frame_html(second.pk, "ru")
    assert "Гамлет" in html and "Ноутбуки" in html
    assert html == _page_html(Message.objects.select_related("author__profile").get(pk=second.pk), "ru")
