"""Every write path of reviews: write, edit, delete, photos, votes, the shop's reply, aggregates.

Each public function takes the acting user first (keyword-only), validates, checks
permission, runs in one transaction and sends the domain event. Aggregates are updated in
that same transaction: per product (:class:`ProductReviewStats`, only *published* reviews
count) with ``F()`` updates, per review (helpful / not helpful, Wilson score) under the
review's row lock. Lock order is always review row → stats row, so writers cannot deadlock.

Status changes made by moderators (``community.moderation.services.moderate`` and the
auto-hide of ``flag``) reach :func:`review_status_changed` through ``content_moderated``.
The check-and-repair of the aggregates is :mod:`reviews.aggregates`; reads are in
:mod:`reviews.selectors`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from community import events
from community.catalog.models import ProductPage, Purchase
from community.moderation.models import Action, Status
from community.moderation.sanctions import posting_refusal
from community.moderation.services import can_moderate, initial_status
from community.text import SanitizedText, sanitize
from reviews import photos as photo_files
from reviews.models import (
    MAX_PHOTOS,
    MAX_RATING,
    MIN_RATING,
    PROS_CONS_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ProductReviewStats,
    Review,
    ReviewPhoto,
    ReviewRevision,
    ReviewVote,
    ShopReply,
)
from reviews.ranking import wilson_lower_bound
from reviews.selectors import review_for_author

VOTE_CHANGE_WINDOW = timedelta(minutes=5)


class ReviewError(Exception):
    """A review request that cannot be carried out; the message is shown to the user."""


class ReviewExists(ReviewError):
    """The author already reviewed this product; ``review`` is the one to edit instead."""

    def __init__(self, review: Review):
        super().__init__(_("You have already reviewed this product: edit your review instead."))
        self.review = review


class VoteError(ReviewError):
    pass


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CleanReview:
    rating: int
    title: str
    text: SanitizedText
    pros: SanitizedText
    cons: SanitizedText


def _clean_rating(rating) -> int:
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if str(rating).strip() != str(value) or not MIN_RATING <= value <= MAX_RATING:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5 stars.")})
    return value


def _clean(*, rating, title: str, body: str, pros: str, cons: str, follow_links: bool) -> _CleanReview:
    """Validate and sanitize every field; raise one ``ValidationError`` listing all problems."""
    errors: dict[str, list[str]] = {}
    clean_rating = 0
    try:
        clean_rating = _clean_rating(rating)
    except ValidationError as error:
        errors.update(error.message_dict)
    title = " ".join((title or "").split())
    if len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("The title is too long: at most %(max)d characters.") % {"max": TITLE_MAX_LENGTH}]
    results = {}
    for name, source, max_length, required in (
        ("text", body, TEXT_MAX_LENGTH, True),
        ("pros", pros, PROS_CONS_MAX_LENGTH, False),
        ("cons", cons, PROS_CONS_MAX_LENGTH, False),
    ):
        try:
            results[name] = sanitize(source or "", follow_links=follow_links, max_length=max_length,
                                          required=required)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return _CleanReview(clean_rating, title, results["text"], results["pros"], results["cons"])


def _follow_links(author) -> bool:
    return Review(author=author).follow_links()


def _is_verified_buyer(author, product: ProductPage) -> bool:
    return Purchase.objects.filter(user=author, product=product).exists()


def _check_photo_count(existing: int, adding: int) -> None:
    if existing + adding > MAX_PHOTOS:
        raise ValidationError({"photos": _("A review can have at most %(max)d photos.") % {"max": MAX_PHOTOS}})


def _processed(uploads: Iterable) -> list[photo_files.ProcessedPhoto]:
    try:
        return photo_files.process_uploads(uploads)
    except photo_files.PhotoError as error:
        raise ValidationError({"photos": str(error)}) from error


def _add_photos(review: Review, processed: Sequence[photo_files.ProcessedPhoto], written: list[str]) -> None:
    """Write files and rows for new photos. Call inside the transaction, review row locked."""
    last = review.photos.aggregate(last=Max("position"))["last"]
    start = 0 if last is None else last + 1
    rows = []
    for offset, photo in enumerate(processed):
        full_name, thumbnail_name = photo_files.write_files(photo, written)
        rows.append(ReviewPhoto(
            review=review, image=full_name, width=photo.width, height=photo.height,
            thumbnail=thumbnail_name, thumbnail_width=photo.thumbnail_width,
            thumbnail_height=photo.thumbnail_height, position=start + offset,
            # A photo follows its review: pending with a pending review, else published.
            status=Status.PENDING if review.status == Status.PENDING else Status.PUBLISHED,
        ))
    ReviewPhoto.objects.bulk_create(rows)


# --- aggregates -------------------------------------------------------------------------------


def _stats_add(product_id: int, rating: int, sign: int) -> None:
    """Add (+1) or take away (−1) one published review of ``rating`` to the product's stats.

    ``F()`` expressions make concurrent updates exact; the row is created first if missing
    (``ignore_conflicts`` makes that race-free).
    """
    ProductReviewStats.objects.bulk_create([ProductReviewStats(product_id=product_id)], ignore_conflicts=True)
    ProductReviewStats.objects.filter(product_id=product_id).update(
        review_count=F("review_count") + sign,
        rating_sum=F("rating_sum") + sign * rating,
        **{f"stars_{rating}": F(f"stars_{rating}") + sign},
    )


def _entered_published(review: Review) -> None:
    """Count a review that has just become published and tell the world.

    Call inside the transaction, with the review row locked and ``review.status`` new.
    """
    _stats_add(review.product_id, review.rating, +1)
    events.review_published.send(sender=Review, review=review)


def _left_published(review: Review, previous_status: str) -> None:
    """Stop counting a review that was published. Same preconditions as above."""
    _stats_add(review.product_id, review.rating, -1)
    events.review_removed.send(sender=Review, review=review, previous_status=previous_status)


def review_status_changed(*, review: Review, previous_status: str, action: str = "") -> None:
    """Keep aggregates and photos in step with a moderator's status change.

    Called from the ``content_moderated`` receiver, inside ``moderate``'s transaction with the
    review row locked and ``review.status`` already changed. Approving or rejecting a review
    carries its pending photos along.
    """
    was_published = previous_status == Status.PUBLISHED
    is_published = review.status == Status.PUBLISHED
    if is_published and not was_published:
        _entered_published(review)
    elif was_published and not is_published:
        _left_published(review, previous_status)
    if previous_status == Status.PENDING and review.status in (Status.PUBLISHED, Status.REJECTED):
        ReviewPhoto.objects.filter(review=review, status=Status.PENDING).update(
            status=review.status, moderated_by=review.moderated_by, moderated_at=review.moderated_at,
        )


def _set_vote_counters(review: Review, helpful: int, unhelpful: int) -> None:
    """Store the counters and their Wilson score. Call with the review row locked."""
    review.helpful_count, review.unhelpful_count = helpful, unhelpful
    review.helpful_score = wilson_lower_bound(helpful, helpful + unhelpful)
    Review.objects.filter(pk=review.pk).update(
        helpful_count=helpful, unhelpful_count=unhelpful, helpful_score=review.helpful_score
    )


# --- reviews ----------------------------------------------------------------------------------


def review_create(
    *, author, product: ProductPage, rating, title: str = "", text: str, pros: str = "", cons: str = "",
    photos: Sequence = (),
) -> Review:
    """Write ``author``'s review of ``product``.

    Guarantees: the review is stored with its photos and the product's stats, or nothing is
    (no row, no file). It starts pending for pre-moderated users, published otherwise
    (``review_published`` is sent then). Raises ``ValidationError`` (by field) for bad input,
    :class:`ReviewExists` when the author already reviewed the product, ``PermissionDenied``
    for an anonymous or inactive author.
    """
    if author is None or not author.is_authenticated or not author.is_active:
        raise PermissionDenied(_("Log in to write a review."))
    _check_not_sanctioned(author)
    existing = review_for_author(author=author, product=product)
    if existing is not None:
        raise ReviewExists(existing)
    clean = _clean(rating=rating, title=title, body=text, pros=pros, cons=cons, follow_links=_follow_links(author))
    _check_photo_count(0, len(photos))
    processed = _processed(photos)
    with photo_files.files_removed_on_failure() as written:
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    author=author, product=product, rating=clean.rating, title=clean.title,
                    text=clean.text.source, text_html=clean.text.html,
                    pros=clean.pros.source, pros_html=clean.pros.html,
                    cons=clean.cons.source, cons_html=clean.cons.html,
                    verified_purchase=_is_verified_buyer(author, product),
                    status=initial_status(author, product=product, text="\n".join(
                        (clean.title, clean.text.source, clean.pros.source, clean.cons.source)),
                        same_text=f"{clean.title}\n{clean.text.source}"),
                )
                _add_photos(review, processed, written)
                if review.status == Status.PUBLISHED:
                    _entered_published(review)
        except IntegrityError:
            # A concurrent request of the same author won the race for the unique constraint.
            existing = review_for_author(author=author, product=product)
            if existing is None:
                raise
            raise ReviewExists(existing) from None
    return review


def review_update(
    *, editor, review: Review, rating, title: str = "", text: str, pros: str = "", cons: str = "",
    photos: Sequence = (), remove_photo_ids: Iterable[int] = (),
) -> Review:
    """Apply the author's edit: the previous version goes to the history, "edited" is marked.

    Only the author may edit, and not a removed review; a rejected review goes back to
    pre-moderation when edited. Stats follow a rating change of a published review in the
    same transaction. Photos may be added (up to 6 in all) and removed. Raises
    ``PermissionDenied``, ``ValidationError`` or :class:`ReviewError`.
    """
    if editor is None or not editor.is_authenticated or editor.pk != review.author_id:
        raise PermissionDenied(_("Only the author can edit this review."))
    _check_not_sanctioned(editor)
    clean = _clean(rating=rating, title=title, body=text, pros=pros, cons=cons,
                   follow_links=_follow_links(review.author))
    processed = _processed(photos)
    remove_ids = {int(pk) for pk in remove_photo_ids}
    removed_files: list[str] = []
    with photo_files.files_removed_on_failure() as written, transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.status == Status.REMOVED:
            raise ReviewError(_("This review was removed by a moderator and cannot be edited."))
        to_remove = list(locked.photos.filter(pk__in=remove_ids))
        _check_photo_count(locked.photos.count() - len(to_remove), len(processed))
        changed = (clean.rating, clean.title, clean.text.source, clean.pros.source, clean.cons.source) != (
            locked.rating, locked.title, locked.text, locked.pros, locked.cons
        )
        previous_rating, previous_status = locked.rating, locked.status
        if changed:
            ReviewRevision.objects.create(
                review=locked, editor=editor, rating=locked.rating, title=locked.title,
                text=locked.text, pros=locked.pros, cons=locked.cons,
            )
            locked.rating, locked.title = clean.rating, clean.title
            locked.text, locked.text_html = clean.text.source, clean.text.html
            locked.pros, locked.pros_html = clean.pros.source, clean.pros.html
            locked.cons, locked.cons_html = clean.cons.source, clean.cons.html
            locked.edited_at = timezone.now()
            if locked.status == Status.REJECTED:
                locked.status = Status.PENDING  # a corrected review is looked at again
        if changed or processed or to_remove:
            locked.verified_purchase = locked.verified_purchase or _is_verified_buyer(locked.author, locked.product)
            locked.save()
        for photo in to_remove:
            removed_files.extend(photo.file_names)
        ReviewPhoto.objects.filter(pk__in=[p.pk for p in to_remove]).delete()
        _add_photos(locked, processed, written)
        if previous_status == Status.PUBLISHED and locked.rating != previous_rating:
            _stats_add(locked.product_id, previous_rating, -1)
            _stats_add(locked.product_id, locked.rating, +1)
        if changed:
            log(instance=locked, action="wagtail.edit", user=editor, title=locked.moderation_title()[:255],
                data={"previous_rating": previous_rating, "rating": locked.rating})
            if locked.status == Status.PUBLISHED:
                events.review_edited.send(sender=Review, review=locked)
        photo_files.delete_files_on_commit(removed_files)
    return locked


def _remove_by_author(review: Review, *, actor) -> None:
    """Mark a taken-down ``review`` removed at its author's request, keeping the moderator's
    reason, its reports and its photos; audit-logged and sent as ``content_moderated``.

    Call inside the transaction, with the review row locked and the author checked.
    """
    previous = review.status
    review.status = Status.REMOVED
    review.moderated_at = timezone.now()
    review.save(update_fields=["status", "moderated_at"])
    log(instance=review, action="wagtail.delete", user=actor, title=review.moderation_title()[:255],
        data={"previous_status": previous, "status": review.status, "kept": True})
    events.content_moderated.send(sender=Review, content=review, action=Action.REMOVE, moderator=actor,
                                  previous_status=previous, reason=review.moderation_reason)


def _check_not_sanctioned(user) -> None:
    """A muted or banned user posts nothing (site-wide sanctions, ``community.moderation``)."""
    refusal = posting_refusal(user)
    if refusal:
        raise ReviewError(refusal)


def review_delete(*, actor, review: Review) -> None:
    """The author deletes their review: votes, photos, history and reply go with it.

    A published review leaves the stats and ``review_removed`` is sent, in the transaction;
    the photo files are deleted after it commits. A review a moderator hid or rejected is
    marked removed instead and kept with its reports and the decision, so a strike survives.
    Raises ``PermissionDenied`` for anyone else and :class:`ReviewError` for a review a
    moderator removed.
    """
    if actor is None or not actor.is_authenticated or actor.pk != review.author_id:
        raise PermissionDenied(_("Only the author can delete this review."))
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.status == Status.REMOVED:
            # The moderators' decision stays on record (and a new review cannot replace it).
            raise ReviewError(_("This review was removed by a moderator and cannot be deleted."))
        if locked.status in (Status.HIDDEN, Status.REJECTED) and locked.moderated_at is not None:
            # A moderator's decision stays on record: the review is removed, not deleted, so its
            # reports, the decision and any strike survive (the author cannot escape them).
            _remove_by_author(locked, actor=actor)
            return
        names = [name for photo in locked.photos.all() for name in photo.file_names]
        if locked.status == Status.PUBLISHED:
            _left_published(locked, locked.status)
        else:
            events.review_removed.send(sender=Review, review=locked, previous_status=locked.status)
        log(instance=locked, action="wagtail.delete", user=actor, title=locked.moderation_title()[:255])
        # Reports stay on record (the moderation queue closes its item when the row goes).
        locked.delete()
        photo_files.delete_files_on_commit(names)


def mark_verified_purchases_bulk(*, pairs: Iterable[tuple[int, int]]) -> int:
    """Purchases arrived from the shop's feed: each buyer's review of that product becomes verified.

    ``pairs`` are ``(user_id, product_id)``; one SELECT and one UPDATE for the lot.
    """
    pairs = set(pairs)
    if not pairs:
        return 0
    candidates = Review.objects.filter(
        author_id__in={u for u, _p in pairs}, product_id__in={p for _u, p in pairs}, verified_purchase=False
    ).values_list("pk", "author_id", "product_id")
    ids = [pk for pk, author_id, product_id in candidates if (author_id, product_id) in pairs]
    return Review.objects.filter(pk__in=ids).update(verified_purchase=True) if ids else 0


# --- votes ------------------------------------------------------------------------------------


VOTE_CHOICES = {"helpful": True, "unhelpful": False, "withdraw": None}


def review_vote(*, voter, review: Review, helpful: bool | None) -> ReviewVote | None:
    """Vote ``review`` helpful (True) / not helpful (False), or withdraw the vote (None).

    One vote per user per review, never on one's own review, only on published reviews.
    A vote can be changed or withdrawn for five minutes after it was cast, then it is locked.
    The review's counters and Wilson score are updated under its row lock in the same
    transaction, so concurrent votes are exact. Sends ``review_voted(vote, previous)``:
    ``vote`` is the vote now (None when withdrawn), ``previous`` an unsaved copy of the vote
    before (None when new). Returns the vote now. Raises :class:`VoteError`, or
    ``PermissionDenied`` for an anonymous voter.
    """
    if voter is None or not voter.is_authenticated or not voter.is_active:
        raise PermissionDenied(_("Log in to vote."))
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.author_id == voter.pk:
            raise VoteError(_("You cannot vote on your own review."))
        if locked.status != Status.PUBLISHED:
            raise VoteError(_("This review is not published."))
        vote = ReviewVote.objects.filter(voter=voter, review=locked).first()
        previous = copy.copy(vote) if vote is not None else None
        if vote is None and helpful is None:
            raise VoteError(_("You have not voted on this review."))
        if vote is not None:
            if vote.helpful == helpful:
                return vote  # a repeated click changes nothing
            if timezone.now() - vote.created > VOTE_CHANGE_WINDOW:
                raise VoteError(_("A vote can only be changed within 5 minutes."))
        helpful_count, unhelpful_count = locked.helpful_count, locked.unhelpful_count
        if previous is not None:
            helpful_count -= previous.helpful
            unhelpful_count -= not previous.helpful
        if helpful is None:
            vote.delete()
            vote = None
        else:
            helpful_count += helpful
            unhelpful_count += not helpful
            if previous is None:
                vote = ReviewVote.objects.create(voter=voter, review=locked, helpful=helpful)
            else:
                vote.helpful = helpful
                vote.save(update_fields=["helpful", "updated"])
        _set_vote_counters(locked, helpful_count, unhelpful_count)
        events.review_voted.send(sender=ReviewVote, vote=vote, previous=previous)
    review.helpful_count, review.unhelpful_count = locked.helpful_count, locked.unhelpful_count
    review.helpful_score = locked.helpful_score
    return vote


def vote_is_locked(vote: ReviewVote | None, *, now=None) -> bool:
    return vote is not None and (now or timezone.now()) - vote.created > VOTE_CHANGE_WINDOW


# --- the shop's reply -------------------------------------------------------------------------


def review_reply(*, author, review: Review, text: str) -> ShopReply:
    """Post or replace the shop's one public reply under ``review`` (staff only)."""
    if author is None or not author.is_authenticated or not (author.is_staff or can_moderate(author)):
        raise PermissionDenied(_("Only the shop's staff can reply to reviews."))
    try:
        clean = sanitize(text, follow_links=True, max_length=TEXT_MAX_LENGTH)
    except ValidationError as error:
        raise ValidationError({"text": error.messages}) from error
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.status in (Status.REMOVED, Status.REJECTED):
            raise ReviewError(_("This review has been taken down."))
        reply, created = ShopReply.objects.update_or_create(
            review=locked, defaults={"author": author, "text": clean.source, "text_html": clean.html}
        )
        log(instance=locked, action="reviews.reply", user=author, title=locked.moderation_title()[:255],
            data={"created": created})
    return reply
