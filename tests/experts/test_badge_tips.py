"""The level and Expert badges explain themselves with the live numbers of the reputation rules
(Wagtail settings), the same ones the «Как это работает» page quotes."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from experts.models import ReputationRules
from experts.rules import forget_reputation_thresholds
from tests.qa import factories as qa_factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_thresholds():
    forget_reputation_thresholds()
    yield
    forget_reputation_thresholds()  # the rolled-back rules must not outlive this test


def author_html(user) -> str:
    user = type(user).objects.select_related("profile").get(pk=user.pk)
    with translation.override("ru"):
        return Template("{% load author_tags %}{% author user %}").render(Context({"user": user}))


def person(username: str, *, level: str, reputation: int, expert_in: str = ""):
    user = qa_factories.user(username)
    profile = user.profile
    profile.level, profile.reputation = level, reputation
    profile.expert_categories = [{"id": 1, "title": expert_in}] if expert_in else []
    profile.save()
    return user


def test_the_tooltips_quote_the_thresholds_moderators_set(client):
    trusted = person("dmitry", level="trusted", reputation=900, expert_in="Ноутбуки")
    member = person("olga", level="member", reputation=120)
    assert "Репутация 500+: знаток" in author_html(trusted) and "Репутация 50+ за" in author_html(member)
    assert "Репутация 500+ в разделе «Ноутбуки»" in author_html(trusted)

    rules = ReputationRules.load()
    rules.member_at, rules.trusted_at, rules.expert_reputation = 80, 700, 650
    rules.save()

    html = author_html(trusted)
    assert "Репутация 700+: знаток" in html and "Репутация 650+ в разделе «Ноутбуки»" in html and "500+" not in html
    assert "Репутация 80+ за" in author_html(member) and "50+" not in author_html(member)
    page = client.get("/community/").content.decode()
    assert "Участник: репутация от 80." in page  # the page that explains them says the same
