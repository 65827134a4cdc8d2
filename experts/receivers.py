"""Reputation reacts to the domain events of reviews, Q&A, moderation and accounts.

Each receiver runs inside the sender's transaction, so the ledger, the totals and the Expert
statuses commit (or roll back) with the vote or the status change that caused them.
"""

from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from community import events
from experts import rules, services, sources
from experts.models import ReputationRules


def _vote(kind: str, target: str, vote, previous) -> None:
    current = vote if vote is not None else previous
    if current is None:
        return
    object_id = getattr(current, f"{target}_id")
    services.reputation_for_vote(kind=kind, object_id=object_id, voter_id=current.voter_id)
    found = sources.author_and_category(kind, object_id)
    if found:
        services.badges_award(user_ids=[found[0]])


@receiver(events.review_voted, dispatch_uid="experts.review_voted")
def review_voted(sender, vote=None, previous=None, **kwargs) -> None:
    _vote(sources.REVIEW, "review", vote, previous)


@receiver(events.answer_voted, dispatch_uid="experts.answer_voted")
def answer_voted(sender, vote=None, previous=None, **kwargs) -> None:
    _vote(sources.ANSWER, "answer", vote, previous)


@receiver(events.question_voted, dispatch_uid="experts.question_voted")
def question_voted(sender, vote=None, previous=None, **kwargs) -> None:
    _vote(sources.QUESTION, "question", vote, previous)


@receiver(events.review_published, dispatch_uid="experts.review_published")
def review_published(sender, review, **kwargs) -> None:
    services.reputation_for_content(content=review)
    services.badges_award(user_ids=[review.author_id])


@receiver(events.review_removed, dispatch_uid="experts.review_removed")
def review_removed(sender, review, previous_status=None, **kwargs) -> None:
    """A review left ``published`` by a moderator's action (its status has changed), or its
    author deletes it (the status is unchanged and the row goes right after this event)."""
    services.reputation_for_content(content=review, removed=review.status == previous_status)


@receiver(events.content_moderated, dispatch_uid="experts.content_moderated")
def content_moderated(sender, content, action, moderator=None, previous_status=None, sanction=None,
                      **kwargs) -> None:
    """A ban hiding the author's content upholds no report (its reports stay open)."""
    if sources.kind_of(content) is None:
        return
    upholding = sanction is None and services.upholds_reports(content=content, action=action, moderator=moderator)
    services.reputation_for_content(content=content, upholding=upholding)


@receiver(events.answer_accepted, dispatch_uid="experts.answer_accepted")
def answer_accepted(sender, answer, previous_answer=None, actor=None, **kwargs) -> None:
    services.reputation_for_acceptance(answer=answer, previous_answer=previous_answer)
    services.badges_award(user_ids=[answer.author_id])


@receiver(events.answer_posted, dispatch_uid="experts.answer_posted")
def answer_posted(sender, answer, **kwargs) -> None:
    services.badges_award(user_ids=[answer.author_id])


@receiver(events.product_category_changed, dispatch_uid="experts.product_category_changed")
def product_category_changed(sender, moves, **kwargs) -> None:
    """A catalog move: the ledger, per-category totals and Expert statuses follow the products."""
    services.reputation_for_category_moves(moves=moves)


@receiver(email_confirmed, dispatch_uid="experts.email_confirmed")
def voter_confirmed_email(request, email_address, **kwargs) -> None:
    """Votes cast before the address was confirmed start to count (if the account was old enough)."""
    services.reputation_for_voter(voter_id=email_address.user_id, why="voter confirmed their email")


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="experts.user_deleted")
def user_deleted(sender, instance, **kwargs) -> None:
    """What a deleted account gave others is reversed before its votes disappear."""
    services.reputation_for_deleted_account(user_id=instance.pk)


@receiver(post_save, sender=ReputationRules, dispatch_uid="experts.rules_saved")
@receiver(post_delete, sender=ReputationRules, dispatch_uid="experts.rules_deleted")
def rules_changed(sender, **kwargs) -> None:
    """The badges' tooltips quote the thresholds: drop the cached copy."""
    rules.forget_reputation_thresholds()
