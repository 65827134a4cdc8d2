"""Every write path of Q&A: asking, answering, voting, following, accepting, deleting.

Each public function takes the acting user first (keyword-only), checks, then writes inside
``transaction.atomic`` with the counted row locked (``select_for_update``) and counters moved
with ``F()``, and sends its domain event from :mod:`community.events` inside the transaction.
A refused request raises :class:`QAError` (its message is shown to the user) and writes nothing.

Status changes by moderators arrive as ``content_moderated`` (see :mod:`community.qa.receivers`),
which keeps ``answer_count`` exact and sends ``question_asked`` / ``answer_posted`` when
pre-moderated content is first published.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from community import events
from community.accounts.trust import links_followed
from community.catalog.models import ProductPage, Purchase
from community.moderation.models import Action, Flag, Status
from community.moderation.sanctions import posting_refusal
from community.moderation.services import initial_status
from community.qa import terms
from community.qa.extensions import question_recipients
from community.qa.models import (
    ANSWER_MAX_LENGTH,
    DETAILS_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    Answer,
    AnswerVote,
    Question,
    QuestionFollow,
    QuestionVote,
    VoteValue,
)
from community.text import sanitize

# Votes can be changed or withdrawn for this long after they were cast, then they are locked.
VOTE_CHANGE_WINDOW = timedelta(minutes=5)
DELETE_LOG_ACTION = "qa.delete_by_author"


class QAError(Exception):
    """A Q&A request that cannot be carried out. ``field`` names the form field at fault."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


# --- checks shared by the write paths ---------------------------------------------------------


def _require_user(user, message: str) -> None:
    if user is None or not user.is_authenticated:
        raise QAError(message, code="login_required")
    if not user.is_active:
        raise QAError(_("Your account is disabled."), code="forbidden")


def _require_not_sanctioned(user) -> None:
    """A muted or banned user posts nothing (site-wide sanctions, ``community.moderation``)."""
    refusal = posting_refusal(user)
    if refusal:
        raise QAError(refusal, code="forbidden")


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise QAError(_("Write your question."), field="title", code="required")
    if len(title) > TITLE_MAX_LENGTH:
        raise QAError(
            _("The question is too long: %(length)d characters, at most %(max)d allowed.")
            % {"length": len(title), "max": TITLE_MAX_LENGTH},
            field="title", code="max_length",
        )
    if len(title) < TITLE_MIN_LENGTH:
        raise QAError(
            _("The question is too short: write at least %(min)d characters.") % {"min": TITLE_MIN_LENGTH},
            field="title", code="min_length",
        )
    return title


def _sanitized(source: str, *, field: str, max_length: int, required: bool, follow_links: bool):
    try:
        return sanitize(source, follow_links=follow_links, max_length=max_length, required=required)
    except ValidationError as error:
        raise QAError(error.messages[0], field=field, code=error.code or "invalid") from None


def _lock_question(question: Question) -> Question:
    return Question.objects.select_for_update().select_related("product").get(pk=question.pk)


def _lock_answer(answer: Answer) -> Answer:
    return Answer.objects.select_for_update().get(pk=answer.pk)


def _require_published_question(question: Question) -> None:
    if question.status != Status.PUBLISHED:
        raise QAError(_("This question is not open for answers: it is not published."), code="not_published")


# --- questions --------------------------------------------------------------------------------


def question_ask(*, author, product: ProductPage, title: str, details: str = "") -> Question:
    """Create ``author``'s question about ``product``; the asker follows it.

    New users' questions start pending (pre-moderation), others are published at once. When
    the question is published, ``question_asked`` is sent with its recipients (the product's
    verified buyers and whoever the ``qa_question_recipients`` hooks add, never the asker);
    for a pending question that happens when a moderator approves it.
    """
    _require_user(author, _("Log in to ask a question."))
    _require_not_sanctioned(author)
    if not product.live:
        raise QAError(_("This product is not available."), code="not_found")
    title = _clean_title(title)
    details_text = _sanitized(details, field="details", max_length=DETAILS_MAX_LENGTH, required=False,
                              follow_links=links_followed(author))
    with transaction.atomic():
        question = Question(
            product=product, author=author, title=title, slug=terms.slug_for(title),
            title_terms=terms.stored_terms(title), details=details_text.source, details_html=details_text.html,
            status=initial_status(author, text=f"{title}\n{details_text.source}", product=product),
        )
        question.save()
        QuestionFollow.objects.get_or_create(question=question, user=author)
        if question.status == Status.PUBLISHED:
            publish_question(question)
    return question


def publish_question(question: Question) -> None:
    """Mark the first publication of ``question`` and send ``question_asked`` with its recipients.

    Call inside the transaction that published it; a question is announced only once.
    """
    if question.published_at is not None:
        return
    question.published_at = timezone.now()
    Question.objects.filter(pk=question.pk).update(published_at=question.published_at)
    events.question_asked.send(sender=Question, question=question, recipients=question_recipients(question))


def question_update(*, actor, question: Question, title: str, details: str = "") -> Question:
    """The asker edits the title and details; the slug follows the title (old URLs redirect)."""
    _require_user(actor, _("Log in to edit your question."))
    _require_not_sanctioned(actor)
    title = _clean_title(title)
    details_text = _sanitized(details, field="details", max_length=DETAILS_MAX_LENGTH, required=False,
                              follow_links=question.follow_links())
    with transaction.atomic():
        locked = _lock_question(question)
        if locked.author_id != actor.pk:
            raise QAError(_("Only the author can edit this question."), code="forbidden")
        if locked.status in (Status.REMOVED, Status.REJECTED):
            raise QAError(_("This question has been taken down and cannot be edited."), code="not_published")
        locked.title, locked.slug, locked.title_terms = title, terms.slug_for(title), terms.stored_terms(title)
        locked.details, locked.details_html = details_text.source, details_text.html
        locked.edited_at = timezone.now()
        locked.save(update_fields=["title", "slug", "title_terms", "details", "details_html", "edited_at"])
        events.question_edited.send(sender=Question, question=locked)
    for field in ("title", "slug", "title_terms", "details", "details_html", "edited_at"):
        setattr(question, field, getattr(locked, field))
    return question


def question_delete(*, actor, question: Question) -> None:
    """The asker deletes their question: it is removed (its URL then answers 410 Gone).

    Recorded like a moderator's removal — audit log entry ``qa.delete_by_author`` and the
    ``content_moderated`` event with ``action="remove"`` and ``moderator`` = the author — so
    every listener (search index, reputation) treats it as removed content.
    """
    _require_user(actor, _("Log in to delete your question."))
    with transaction.atomic():
        locked = _lock_question(question)
        if locked.author_id != actor.pk:
            raise QAError(_("Only the author can delete this question."), code="forbidden")
        if locked.status == Status.REMOVED:
            raise QAError(_("This question has already been deleted."), code="gone")
        _remove_by_author(locked, actor=actor)
    question.status = locked.status


def question_vote(*, voter, question: Question, up: bool = True) -> QuestionVote | None:
    """«У меня тот же вопрос»: ``up=True`` votes (and follows the question), ``up=False`` withdraws.

    One vote per user, never on one's own question; a vote can be withdrawn within
    ``VOTE_CHANGE_WINDOW``. Sends ``question_voted(vote, previous)``: ``vote`` is the vote now
    (None when withdrawn), ``previous`` its earlier state (None when new).
    """
    _require_user(voter, _("Log in to vote."))
    with transaction.atomic():
        locked = _lock_question(question)
        if locked.status != Status.PUBLISHED:
            raise QAError(_("You can only vote on published questions."), code="not_published")
        if locked.author_id == voter.pk:
            raise QAError(_("You cannot vote for your own question."), code="own_content")
        existing = QuestionVote.objects.filter(question=locked, voter=voter).first()
        if up:
            if existing is not None:
                raise QAError(_("You have already said you have the same question."), code="duplicate")
            vote = QuestionVote.objects.create(question=locked, voter=voter)
            Question.objects.filter(pk=locked.pk).update(vote_score=F("vote_score") + 1)
            QuestionFollow.objects.get_or_create(question=locked, user=voter)
            events.question_voted.send(sender=Question, vote=vote, previous=None)
            delta = 1
        else:
            if existing is None:
                raise QAError(_("You have not voted for this question."), code="no_vote")
            _check_vote_window(existing.created)
            previous = QuestionVote(pk=existing.pk, question=locked, voter=voter, created=existing.created)
            existing.delete()
            Question.objects.filter(pk=locked.pk).update(vote_score=F("vote_score") - 1)
            events.question_voted.send(sender=Question, vote=None, previous=previous)
            vote, delta = None, -1
    question.vote_score = locked.vote_score + delta
    return vote


def question_follow(*, user, question: Question, follow: bool = True) -> bool:
    """Start (or stop) following a question; returns whether ``user`` follows it now."""
    _require_user(user, _("Log in to follow questions."))
    with transaction.atomic():
        if follow:
            if question.status != Status.PUBLISHED and question.author_id != user.pk:
                raise QAError(_("You can only follow published questions."), code="not_published")
            QuestionFollow.objects.get_or_create(question=question, user=user)
        else:
            QuestionFollow.objects.filter(question=question, user=user).delete()
    return follow


# --- answers ----------------------------------------------------------------------------------


def answer_post(*, author, question: Question, text: str) -> Answer:
    """Post ``author``'s answer to a published question; one answer per user per question.

    Marks the answer as the shop's (staff) or a verified buyer's at this moment, starts it
    pending for pre-moderated users, counts it when published and sends ``answer_posted`` when
    it is published (now, or when a moderator approves it). A second answer by the same user
    is refused: they edit the first one instead.
    """
    _require_user(author, _("Log in to answer."))
    _require_not_sanctioned(author)
    with transaction.atomic():
        locked = _lock_question(question)
        _require_published_question(locked)
        earlier = Answer.objects.filter(question=locked, author=author).first()
        if earlier is not None:
            if not (earlier.status == Status.REMOVED and earlier.moderated_by_id == author.pk):
                raise QAError(_("You have already answered this question: edit your answer instead."),
                              field="text", code="duplicate")
            # The author deleted their answer and answers afresh: the removed row (already
            # uncounted, its reputation reversed) goes with its votes.
            earlier.delete()
        follow = links_followed(author)
        text_value = _sanitized(text, field="text", max_length=ANSWER_MAX_LENGTH, required=True, follow_links=follow)
        answer = Answer(
            question=locked, author=author, text=text_value.source, text_html=text_value.html,
            is_staff_answer=author.is_staff,
            is_verified_buyer=Purchase.objects.filter(user=author, product_id=locked.product_id).exists(),
            status=initial_status(author, text=text_value.source, product=locked.product),
        )
        answer.set_derived()
        try:
            with transaction.atomic():
                answer.save()
        except IntegrityError:  # a concurrent second answer by the same user
            raise QAError(_("You have already answered this question: edit your answer instead."),
                          field="text", code="duplicate") from None
        if answer.status == Status.PUBLISHED:
            Question.objects.filter(pk=locked.pk).update(answer_count=F("answer_count") + 1)
            publish_answer(answer)
    return answer


def publish_answer(answer: Answer) -> None:
    """Mark the first publication of ``answer`` and send ``answer_posted``.

    Call inside the transaction that published it; an answer is announced only once.
    """
    if answer.published_at is not None:
        return
    answer.published_at = timezone.now()
    Answer.objects.filter(pk=answer.pk).update(published_at=answer.published_at)
    events.answer_posted.send(sender=Answer, answer=answer)


def answer_update(*, actor, answer: Answer, text: str) -> Answer:
    """The author edits their answer; its votes and badges stay."""
    _require_user(actor, _("Log in to edit your answer."))
    _require_not_sanctioned(actor)
    with transaction.atomic():
        locked = _lock_answer(answer)
        if locked.author_id != actor.pk:
            raise QAError(_("Only the author can edit this answer."), code="forbidden")
        if locked.status in (Status.REMOVED, Status.REJECTED):
            raise QAError(_("This answer has been taken down and cannot be edited."), code="not_published")
        text_value = _sanitized(text, field="text", max_length=ANSWER_MAX_LENGTH, required=True,
                                follow_links=answer.follow_links())
        locked.text, locked.text_html, locked.edited_at = text_value.source, text_value.html, timezone.now()
        locked.set_derived()
        locked.save(update_fields=["text", "text_html", "text_excerpt", "edited_at"])
        events.answer_edited.send(sender=Answer, answer=locked)
    answer.text, answer.text_html, answer.edited_at = locked.text, locked.text_html, locked.edited_at
    answer.text_excerpt = locked.text_excerpt
    return answer


def answer_delete(*, actor, answer: Answer) -> None:
    """The author deletes their answer: it is removed and no longer counted.

    Like :func:`question_delete`, recorded as a removal (audit log + ``content_moderated`` with
    ``moderator`` = the author); the counters follow through that event. The author may then
    answer the question again (the removed row is reused).
    """
    _require_user(actor, _("Log in to delete your answer."))
    with transaction.atomic():
        locked = _lock_answer(answer)
        if locked.author_id != actor.pk:
            raise QAError(_("Only the author can delete this answer."), code="forbidden")
        if locked.status == Status.REMOVED:
            raise QAError(_("This answer has already been deleted."), code="gone")
        # Lock the question too: its answer count moves (lock order: the answer, then its question).
        Question.objects.select_for_update().filter(pk=locked.question_id).first()
        _remove_by_author(locked, actor=actor)
    answer.status = locked.status


def answer_vote(*, voter, answer: Answer, value: int) -> AnswerVote | None:
    """Vote an answer up (``1``) or down (``-1``), or withdraw the vote (``0``).

    One vote per user per answer, never on one's own; a vote can be changed or withdrawn for
    ``VOTE_CHANGE_WINDOW`` after it was cast, then it is locked. Counters move in the same
    transaction. Sends ``answer_voted(vote, previous)``: ``vote`` is the vote now (None when
    withdrawn), ``previous`` an unsaved copy of its earlier state (None when new).
    """
    _require_user(voter, _("Log in to vote."))
    if value not in (VoteValue.UP, VoteValue.DOWN, 0):
        raise QAError(_("Unknown vote."), code="invalid")
    with transaction.atomic():
        locked = _lock_answer(answer)
        if locked.author_id == voter.pk:
            raise QAError(_("You cannot vote on your own answer."), code="own_content")
        if locked.status != Status.PUBLISHED:
            raise QAError(_("You can only vote on published answers."), code="not_published")
        existing = AnswerVote.objects.filter(answer=locked, voter=voter).first()
        previous = None
        if existing is not None:
            if existing.value == value:
                raise QAError(_("You have already voted this way."), code="duplicate")
            _check_vote_window(existing.created)
            previous = AnswerVote(pk=existing.pk, answer=locked, voter=voter, value=existing.value,
                                  created=existing.created, updated=existing.updated)
        elif value == 0:
            raise QAError(_("You have not voted on this answer."), code="no_vote")
        up_delta = (value == VoteValue.UP) - (previous is not None and previous.value == VoteValue.UP)
        down_delta = (value == VoteValue.DOWN) - (previous is not None and previous.value == VoteValue.DOWN)
        if value == 0:
            existing.delete()
            vote = None
        elif existing is None:
            vote = AnswerVote.objects.create(answer=locked, voter=voter, value=value)
        else:
            existing.value, existing.updated = value, timezone.now()
            existing.save(update_fields=["value", "updated"])
            vote = existing
        Answer.objects.filter(pk=locked.pk).update(
            up_count=F("up_count") + up_delta, down_count=F("down_count") + down_delta,
            score=F("score") + up_delta - down_delta,
        )
        events.answer_voted.send(sender=Answer, vote=vote, previous=previous)
    answer.up_count = locked.up_count + up_delta
    answer.down_count = locked.down_count + down_delta
    answer.score = answer.up_count - answer.down_count
    return vote


def answer_accept(*, actor, answer: Answer) -> Answer:
    """The asker accepts ``answer`` (replacing any earlier choice); it is shown first.

    Only the question's author may accept, only a published answer to a published question.
    Sends ``answer_accepted(answer, previous_answer, actor)``.
    """
    _require_user(actor, _("Log in to accept an answer."))
    with transaction.atomic():
        # Lock order everywhere: the answer, then its question (as moderation and deletion do).
        locked = _lock_answer(answer)
        question = _lock_question(Question(pk=locked.question_id))
        if question.author_id != actor.pk:
            raise QAError(_("Only the person who asked the question can accept an answer."), code="forbidden")
        _require_published_question(question)
        if locked.status != Status.PUBLISHED:
            raise QAError(_("Only a published answer can be accepted."), code="not_published")
        if question.accepted_answer_id == locked.pk:
            raise QAError(_("This answer is already accepted."), code="duplicate")
        previous = Answer.objects.filter(pk=question.accepted_answer_id).first() if question.accepted_answer_id else None
        Question.objects.filter(pk=question.pk).update(accepted_answer=locked)
        question.accepted_answer = locked
        locked.question = question
        events.answer_accepted.send(sender=Answer, answer=locked, previous_answer=previous, actor=actor)
    answer.question.accepted_answer_id = locked.pk
    return locked


# --- shared helpers ---------------------------------------------------------------------------


def _check_vote_window(cast_at) -> None:
    if timezone.now() - cast_at > VOTE_CHANGE_WINDOW:
        minutes = int(VOTE_CHANGE_WINDOW.total_seconds() // 60)
        raise QAError(
            _("A vote can only be changed within %(minutes)d minutes of casting it.") % {"minutes": minutes},
            code="locked",
        )


def _remove_by_author(content: Question | Answer, *, actor) -> None:
    """Set ``content`` removed by its author, audit-log it and send ``content_moderated``.

    Call inside the transaction, with the row locked and the author checked. Open flags are
    closed without a verdict (``upheld`` stays None): nobody judged them.
    """
    previous = content.status
    content.status = Status.REMOVED
    content.moderated_by = actor
    content.moderated_at = timezone.now()
    content.moderation_reason = _("Deleted by the author.")
    content.save(update_fields=["status", "moderated_by", "moderated_at", "moderation_reason"])
    Flag.objects.for_content(content).open().update(resolved=True)
    log(
        instance=content, action=DELETE_LOG_ACTION, user=actor, title=content.moderation_title()[:255],
        data={"previous_status": previous, "status": content.status},
    )
    events.content_moderated.send(
        sender=type(content), content=content, action=Action.REMOVE, moderator=actor,
        previous_status=previous, reason=content.moderation_reason,
    )
