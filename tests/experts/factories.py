"""Helpers of the reputation tests. Content is written through the reviews and Q&A services
(so the domain events are the real ones); time is moved by rewriting rows' timestamps and
re-applying the change, as if it had happened then."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from community.moderation.models import Status
from community.qa import services as qa_services
from experts import services
from experts.models import ReputationEvent, ReputationRules, ReputationTotal
from reviews import services as review_services
from reviews.models import Review, ReviewVote
from tests.factories import UserFactory

TEXT = "Пользуюсь месяц: экран яркий, клавиатура удобная, батареи хватает на рабочий день."


def person(username: str, *, days_old: int = 60, verified: bool = True):
    return UserFactory(username=username, verified=verified,
                       date_joined=timezone.now() - timedelta(days=days_old))


def set_rules(**values) -> ReputationRules:
    stored = ReputationRules.load()
    for name, value in values.items():
        setattr(stored, name, value)
    stored.save()
    return stored


def review(author, product, *, rating: int = 5, title: str = "Отличный ноутбук") -> Review:
    created = review_services.review_create(author=author, product=product, rating=rating, title=title, text=TEXT)
    assert created.status == Status.PUBLISHED
    return created


def vote(voter, target, helpful: bool | None = True, *, at: datetime | None = None):
    """Vote on a review through the service; ``at`` moves the vote to that moment afterwards."""
    result = review_services.review_vote(voter=voter, review=target, helpful=helpful)
    if at is not None and result is not None:
        move_vote(result, at)
    return result


def move_vote(vote_row: ReviewVote, at: datetime) -> None:
    """Pretend the vote was cast at ``at`` (and re-apply it, as the service would have then)."""
    ReviewVote.objects.filter(pk=vote_row.pk).update(created=at, updated=at)
    services.reputation_for_vote(kind="review", object_id=vote_row.review_id, voter_id=vote_row.voter_id)


def question(author, product, title: str = "Подойдёт ли для игр?"):
    return qa_services.question_ask(author=author, product=product, title=title)


def answer(author, question_row, text: str = "Да, видеокарта справится с большинством игр."):
    return qa_services.answer_post(author=author, question=question_row, text=text)


def live(user, **filters):
    return list(ReputationEvent.objects.live().filter(user=user, **filters).order_by("created", "pk"))


def total(user) -> int:
    row = ReputationTotal.objects.filter(user=user).first()
    return row.points if row else 0


def reputation(user) -> int:
    user.profile.refresh_from_db()
    return user.profile.reputation


def a_moderator(username: str = "the_moderator"):
    """A member of the moderators' group."""
    from django.contrib.auth.models import Group

    from community.moderation.apps import MODERATORS_GROUP, ensure_moderators_group

    ensure_moderators_group()
    user = person(username)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user
