"""Fixtures of the reputation tests: trusted voters, reviews and answers written through the
reviews and Q&A services, and the clock moved by rewriting rows' timestamps."""

from __future__ import annotations

import pytest

from tests.experts import factories


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    """Contributions publish at once (the default pre-moderates a user's first one)."""
    settings.MODERATION_PREMODERATE_FIRST = 0


@pytest.fixture
def laptops(page_tree):
    return page_tree["laptops"]


@pytest.fixture
def phones(page_tree):
    return page_tree["phones"]


@pytest.fixture
def laptop(page_tree):
    return page_tree["products"][0]


@pytest.fixture
def laptop2(page_tree):
    return page_tree["products"][1]


@pytest.fixture
def phone(page_tree):
    return page_tree["products"][2]


@pytest.fixture
def author(db):
    return factories.person("author")


@pytest.fixture
def voters(db):
    return [factories.person(f"voter{n:02d}") for n in range(25)]


@pytest.fixture
def rules():
    """Change the live rules: ``rules(daily_cap=30)``."""
    return factories.set_rules
