"""The domain events notifications hear: each is passed to the builders of the kinds that listen
to it (:mod:`community.notifications.kinds`), inside the cause's transaction."""

from __future__ import annotations

from functools import partial

from community import events
from community.moderation.models import Status
from community.notifications import kinds, services

#: The events kinds listen to (``NotificationKind.listens``); a test checks every kind's events are here.
HEARD = (
    "question_asked", "answer_posted", "review_published", "answer_accepted", "answer_voted", "review_voted",
    "expert_status_changed", "expert_status_at_risk", "message_posted", "content_moderated",
    "user_sanctioned", "appeal_decided",
)


def _dispatch(event_name: str, sender, **kwargs) -> None:
    announcements = []
    for _kind, builder in kinds.builders_for(event_name):
        announcements.extend(builder(sender=sender, **kwargs) or ())
    if announcements:
        services.announce(announcements)


def _on_content_moderated(sender, content, previous_status, **kwargs) -> None:
    """Content leaving "published" withdraws the notifications about it; coming back restores them."""
    was, now = previous_status == Status.PUBLISHED, content.status == Status.PUBLISHED
    if was != now:
        services.notifications_set_visibility(content=content, visible=now)
    _dispatch("content_moderated", sender, content=content, previous_status=previous_status, **kwargs)


def _on_stock_changed(sender, product, previous_status, **kwargs) -> None:
    """Back in stock: the waiting list is told by a task enqueued in the feed's transaction."""
    from community.catalog.models import StockStatus
    from community.notifications import tasks

    if product.in_stock and previous_status not in (StockStatus.IN_STOCK, StockStatus.LOW):
        tasks.back_in_stock.enqueue(product.pk)


events.stock_changed.connect(_on_stock_changed, dispatch_uid="notifications.stock_changed", weak=False)

for _name in HEARD:
    _signal = getattr(events, _name)
    if _name == "content_moderated":
        _signal.connect(_on_content_moderated, dispatch_uid="notifications.content_moderated", weak=False)
    else:
        _receiver = partial(_dispatch, _name)
        _signal.connect(lambda sender, _r=_receiver, **kwargs: _r(sender, **kwargs),
                        dispatch_uid=f"notifications.{_name}", weak=False)
