import pytest

from community import events
from tests.qa import factories


@pytest.fixture(autouse=True)
def _trusted_by_default(settings):
    """Most tests are about Q&A, not pre-moderation: contributions publish at once."""
    settings.MODERATION_PREMODERATE_FIRST = 0


@pytest.fixture
def third_shopper(db):
    return factories.user("laertes")


@pytest.fixture
def question(shopper, product):
    return factories.ask(shopper, product)


@pytest.fixture
def answer(other_shopper, question):
    return factories.answer(other_shopper, question)


@pytest.fixture
def received():
    """Record every Q&A domain event sent during the test: ``received["answer_voted"] == [kwargs, …]``."""
    names = ["question_asked", "question_voted", "answer_posted", "answer_voted", "answer_accepted", "content_moderated"]
    log: dict[str, list[dict]] = {name: [] for name in names}
    handlers = {}
    for name in names:
        def handler(sender, _name=name, **kwargs):
            kwargs.pop("signal", None)
            log[_name].append(kwargs)

        handlers[name] = handler
        getattr(events, name).connect(handler, weak=False, dispatch_uid=f"qa-test-{name}")
    yield log
    for name in names:
        getattr(events, name).disconnect(dispatch_uid=f"qa-test-{name}")
