"""Demo moderation: the queue made whole, a muted user, a decision with an appeal waiting.

Runs after the content steps. It knows the content only through the registry (``moderation_kinds``),
like the rest of the core. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

from community.demo import DemoContext
from community.moderation import appeals, queue, sanctions, services
from community.moderation.models import Appeal, Decision, ModerationRules, Sanction, SanctionKind, Status
from community.moderation.registry import kinds


def seed(context: DemoContext) -> None:
    users = context.shared.get("users", {})
    moderator = users.get("moderator")
    added = []
    # Content the demo steps bulk-created bypassed the queue's receivers: bring the queue in step.
    synced = queue.queue_rebuild()
    if synced:
        added.append(f"{len(synced)} queue items synced")
    if moderator is None:
        context.log("moderation: no demo moderator, skipped")
        return
    rules = ModerationRules.load()
    if not rules.stop_words:  # the rules a shop like ours would switch on (editable in Settings)
        rules.links_from_newcomers = rules.contacts_in_text = True
        rules.stop_words = "казино\nставки на спорт\nбыстрый заработок\nпромокод"
        rules.save()
    muted = users.get("artem")
    if muted and not Sanction.objects.filter(user=muted, kind=SanctionKind.MUTE).exists():
        sanctions.user_mute(moderator=moderator, user=muted, days=7,
                           reason="Накрутка голосов: неделя без публикаций, голоса аннулированы.")
        added.append("artem muted for 7 days")
    author = users.get("elena")
    review_kind = kinds().get("review")
    if author and review_kind and not Decision.objects.filter(author=author, action="remove").exists():
        review = review_kind.by_author(author.pk).filter(status=Status.PUBLISHED).order_by("pk").first()
        if review is not None:
            services.moderate(moderator=moderator, content=review, action="remove", reason_code="off_topic",
                              reason="Отзыв о доставке, а не о товаре.")
            decision = Decision.objects.get(author=author, action="remove")
            if not Appeal.objects.filter(decision=decision).exists():
                appeals.appeal_create(author=author, decision=decision,
                                      text="Я пишу и о товаре: про экран и батарею во втором абзаце. Верните, пожалуйста.")
            added.append("a removed review with an appeal")
    counts = ", ".join(f"{key} {n}" for key, n in _open_counts().items() if n)
    context.log(f"moderation: {'; '.join(added) if added else 'already there'}; queue: {counts or 'empty'}")


def _open_counts() -> dict[str, int]:
    from community.moderation.selectors import queue_counts

    return queue_counts()
