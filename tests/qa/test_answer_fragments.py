"""A published answer's head (author, time, text) is rendered once for every viewer
(``community.fragments``) and follows every change of what it shows."""

from __future__ import annotations

import pytest

from community.accounts.models import Profile
from community.qa import services
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def heads_rendered(response) -> int:
    return sum(1 for template in response.templates if template.name == "qa/includes/answer_head.html")


def test_an_answer_head_is_rendered_once_and_follows_its_content(client, question, answer, shopper, third_shopper):
    assert client.login(username=third_shopper.username, password=PASSWORD)
    url = question.get_url()
    first = client.get(url)
    assert heads_rendered(first) == 1 and answer.text in first.content.decode()
    again = client.get(url)
    assert heads_rendered(again) == 0, "the second viewer's page reuses the rendering"
    assert again.content.decode().count(f'id="{answer.anchor}"') == 1

    before = answer.text
    services.answer_update(actor=answer.author, answer=answer, text="Да, зарядка на 65 Вт в комплекте.")
    page = client.get(url).content.decode()
    assert "зарядка на 65 Вт" in page and before not in page

    Profile.objects.filter(user=answer.author).update(display_name="Себастьян Знаток", level="trusted")
    page = client.get(url).content.decode()
    assert "Себастьян Знаток" in page and "badge-trusted" in page

    services.answer_accept(actor=shopper, answer=answer)
    page = client.get(url).content.decode()
    assert "qa-accepted-label" in page

    client.cookies["lang"] = "en"
    english = client.get(url)
    assert heads_rendered(english) == 1 and "Accepted by the asker" in english.content.decode()


def test_the_viewers_own_controls_are_not_part_of_the_shared_head(client, question, answer, shopper, third_shopper):
    url = question.get_url()
    assert client.login(username=answer.author.username, password=PASSWORD)
    own = client.get(url).content.decode()
    assert "/edit/" in own and "qa-vote-form" not in own  # the author edits, does not vote
    client.logout()
    assert client.login(username=third_shopper.username, password=PASSWORD)
    other = client.get(url).content.decode()
    assert "qa-vote-form" in other and f"/answers/{answer.pk}/edit/" not in other
