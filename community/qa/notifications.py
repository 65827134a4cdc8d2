"""What Q&A tells people (registered with the ``notification_kinds`` hook in ``wagtail_hooks``).

Builders run inside the cause's transaction (a published answer, an accepted answer, a vote, a
first published question) and return announcements; the notifications app checks the rest
(never the actor, never twice, active users only).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from community.moderation.models import Status
from community.notifications.kinds import Announcement, NotificationKind
from community.notifications.models import Frequency
from community.qa.models import Answer, QuestionFollow, VoteValue


def _name(user) -> str:
    return user.profile.name if hasattr(user, "profile") else user.get_username()


def answer_to_my_question(*, answer: Answer, **kwargs) -> list[Announcement]:
    question = answer.question
    if answer.status != Status.PUBLISHED or question.status != Status.PUBLISHED:
        return []
    return [Announcement(kind="qa.answer", cause=f"answer:{answer.pk}", url=answer.get_url(),
                         recipient_ids=[question.author_id], actor_id=answer.author_id, target=answer,
                         params={"actor": _name(answer.author), "question": question.title})]


def answer_on_followed_question(*, answer: Answer, **kwargs) -> list[Announcement]:
    question = answer.question
    if answer.status != Status.PUBLISHED or question.status != Status.PUBLISHED:
        return []
    followers = (QuestionFollow.objects.filter(question_id=question.pk).exclude(user_id=question.author_id)
                 .values_list("user_id", flat=True))
    return [Announcement(kind="qa.followed_answer", cause=f"answer:{answer.pk}", url=answer.get_url(),
                         recipient_ids=list(followers), actor_id=answer.author_id, target=answer,
                         params={"actor": _name(answer.author), "question": question.title})]


def my_answer_accepted(*, answer: Answer, actor, **kwargs) -> list[Announcement]:
    return [Announcement(kind="qa.accepted", cause=f"answer:{answer.pk}", url=answer.get_url(),
                         recipient_ids=[answer.author_id], actor_id=actor.pk, target=answer,
                         params={"actor": _name(actor), "question": answer.question.title})]


def my_answer_voted(*, vote, previous, **kwargs) -> list[Announcement]:
    """Up votes only (a new one, or a down vote turned up), batched per answer."""
    if vote is None or vote.value != VoteValue.UP or (previous is not None and previous.value == VoteValue.UP):
        return []
    answer = vote.answer
    if answer.status != Status.PUBLISHED:
        return []
    return [Announcement(kind="qa.answer_voted", cause=f"answer:{answer.pk}:voter:{vote.voter_id}",
                         url=answer.get_url(), recipient_ids=[answer.author_id], actor_id=vote.voter_id,
                         target=answer, batch=True, params={"question": answer.question.title})]


def new_question(*, question, recipients, **kwargs) -> list[Announcement]:
    """The product's verified buyers and the category's Experts (computed by ``question_recipients``)."""
    if question.status != Status.PUBLISHED:
        return []
    return [Announcement(kind="qa.new_question", cause=f"question:{question.pk}", url=question.get_url(),
                         recipient_ids=[user.pk for user in recipients], actor_id=question.author_id,
                         target=question, params={"product": question.product.title, "question": question.title})]


def question_on_followed_product(*, question, recipients, **kwargs) -> list[Announcement]:
    """Followers of the product who are not already told as buyers or Experts."""
    from community.notifications.follows import product_follower_ids

    if question.status != Status.PUBLISHED:
        return []
    told = {user.pk for user in recipients}
    followers = [user_id for user_id in product_follower_ids(question.product_id) if user_id not in told]
    return [Announcement(kind="qa.followed_product", cause=f"question:{question.pk}", url=question.get_url(),
                         recipient_ids=followers, actor_id=question.author_id, target=question,
                         params={"product": question.product.title, "question": question.title})]


def kinds() -> list[NotificationKind]:
    return [
        NotificationKind(key="qa.answer", label=_("An answer to my question"), order=10,
                         message=_("%(actor)s answered your question “%(question)s”"),
                         default_frequency=Frequency.IMMEDIATE, listens={"answer_posted": answer_to_my_question}),
        NotificationKind(key="qa.accepted", label=_("My answer accepted"), order=20,
                         message=_("%(actor)s accepted your answer to “%(question)s”"),
                         default_frequency=Frequency.IMMEDIATE, listens={"answer_accepted": my_answer_accepted}),
        NotificationKind(key="qa.answer_voted", label=_("My answer found helpful"), order=30,
                         message=_("Someone found your answer to “%(question)s” helpful"),
                         batch_message=ngettext_lazy("%(count)s person found your answer to “%(question)s” helpful",
                                                     "%(count)s people found your answer to “%(question)s” helpful", "count"),
                         default_frequency=Frequency.WEEKLY, listens={"answer_voted": my_answer_voted}),
        NotificationKind(key="qa.new_question", label=_("A new question about a product I bought or in my Expert category"),
                         order=40, message=_("New question about “%(product)s”: “%(question)s”"),
                         default_frequency=Frequency.DAILY, listens={"question_asked": new_question}),
        NotificationKind(key="qa.followed_answer", label=_("A new answer to a question I follow"), order=50,
                         message=_("%(actor)s answered the question “%(question)s” you follow"),
                         default_frequency=Frequency.DAILY, listens={"answer_posted": answer_on_followed_question}),
        NotificationKind(key="qa.followed_product", label=_("A new question about a product I follow"), order=56,
                         message=_("New question about “%(product)s” you follow: “%(question)s”"),
                         default_frequency=Frequency.DAILY, listens={"question_asked": question_on_followed_product}),
    ]
