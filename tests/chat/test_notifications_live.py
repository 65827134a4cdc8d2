"""Live notifications: chat hears ``notification_created`` (after commit) and pushes a
``notification`` frame of kind ``notification`` to each recipient's sockets, in their language."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from tests.qa import factories as qa

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_answer_reaches_the_askers_socket_live_with_the_bell_count(sockets, shopper, other_shopper, product,
                                                                           settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    question = await database_sync_to_async(qa.ask)(shopper, product)
    asker, answerer = await sockets(shopper), await sockets(other_shopper, language="en")
    answer = await database_sync_to_async(qa.answer)(other_shopper, question)
    frame = await asker.find("notification", kind="notification")
    assert frame["notifications_unread"] == 1
    assert frame["text"] == f"{other_shopper.username} ответил(а) на ваш вопрос «{question.title}»"
    assert frame["url"].startswith("/notifications/")
    # The answerer (the actor) hears nothing of their own answer; an English reader gets English.
    await answerer.nothing(timeout=0.5, ignore=("presence",))
    from community.qa import services as qa_services

    await database_sync_to_async(qa_services.answer_accept)(actor=shopper, answer=answer)
    accepted = await answerer.find("notification", kind="notification")
    assert accepted["text"] == f"{shopper.username} accepted your answer to “{question.title}”"
