"""Fixtures of the reviews tests."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def no_premoderation(settings):
    """Every contribution publishes directly (the default pre-moderates a user's first one)."""
    settings.MODERATION_PREMODERATE_FIRST = 0


@pytest.fixture
def voters(db):
    return [UserFactory(username=f"voter{n}", verified=True) for n in range(5)]
