"""Q&A's reactions to moderation: keep stored counters exact and announce first publications.

``content_moderated`` is sent inside the transaction that changes the status, so these
updates commit (or roll back) with it.
"""

from __future__ import annotations

from django.db.models import F
from django.dispatch import receiver

from community import events
from community.moderation.models import Status
from community.qa.models import Answer, Question


@receiver(events.content_moderated, sender=Answer, dispatch_uid="qa_answer_moderated")
def answer_moderated(sender, content: Answer, previous_status: str, **kwargs) -> None:
    """An answer entering or leaving ``published`` moves its question's ``answer_count``."""
    was, now = previous_status == Status.PUBLISHED, content.status == Status.PUBLISHED
    if was == now:
        return
    Question.objects.filter(pk=content.question_id).update(answer_count=F("answer_count") + (1 if now else -1))
    if now:
        from community.qa.services import publish_answer

        publish_answer(content)


@receiver(events.content_moderated, sender=Question, dispatch_uid="qa_question_moderated")
def question_moderated(sender, content: Question, previous_status: str, **kwargs) -> None:
    """A pre-moderated question is announced to its recipients when first published."""
    if content.status == Status.PUBLISHED and previous_status != Status.PUBLISHED:
        from community.qa.services import publish_question

        publish_question(content)
