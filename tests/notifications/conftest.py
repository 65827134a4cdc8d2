import pytest

from tests.qa import factories


@pytest.fixture(autouse=True)
def _trusted_by_default(settings):
    """Contributions publish at once unless a test says otherwise."""
    settings.MODERATION_PREMODERATE_FIRST = 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def third_shopper(db):
    return factories.user("laertes")


@pytest.fixture
def question(shopper, product):
    return factories.ask(shopper, product)
