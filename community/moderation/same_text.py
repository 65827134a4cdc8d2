"""The "same text across accounts" signal: spam waves and bought reviews are often one text
posted from several accounts. When content is created, its text is normalised (case, «ё»,
punctuation and spacing ignored) and hashed into a :class:`TextFingerprint`; if another account
posted the same text (of any registered kind) within ``MODERATION_SAME_TEXT_HOURS``, both pieces
are raised in the queue with the reason and evidence (the other piece, its author, how far
apart). Nothing is hidden or deleted here; a signal is raised once per pair (a dismissed one does
not come back). Texts shorter than ``MIN_WORDS`` words are not compared: «Спасибо!» is no spam.

Two indexed queries per new piece of content long enough to compare (a lookup, an insert), in
the transaction that writes it; two for a whole batch within :func:`checked_together`.
"""

from __future__ import annotations

import hashlib
import re
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from community.moderation.models import QueueReason, TextFingerprint
from community.moderation.registry import ContentKind, kind_for_model

MIN_WORDS = 6
#: At most this many earlier copies are raised beside a new one (a wave is seen from any of them).
MAX_COPIES = 20
WORD = re.compile(r"\w+", re.U)


def normalised(text: str) -> str:
    return " ".join(word.replace("ё", "е") for word in WORD.findall((text or "").lower()))


def digest_of(text: str) -> str | None:
    """The fingerprint of ``text``, or None when it is too short to call a copy."""
    words = normalised(text)
    if words.count(" ") + 1 < MIN_WORDS:
        return None
    return hashlib.sha1(words.encode(), usedforsecurity=False).hexdigest()


def posted_by_another_account(text: str, *, author_id: int) -> bool:
    """Whether another account posted ``text`` (as fingerprinted) within the window: the
    repeated-text pre-moderation rule (:mod:`community.moderation.rules`). One indexed query."""
    from django.utils import timezone

    digest = digest_of(text)
    if digest is None:
        return False
    since = timezone.now() - timedelta(hours=settings.MODERATION_SAME_TEXT_HOURS)
    return TextFingerprint.objects.filter(digest=digest, created__gte=since).exclude(author_id=author_id).exists()


def copy_key(kind: ContentKind, pk: int) -> str:
    """The queue key of "the same text as that piece": raised once per pair."""
    return f"same_text:{kind.key}:{pk}"


_together = threading.local()


@contextmanager
def checked_together():
    """Within: :func:`same_text_check` only collects what was created; on leaving, all of it is
    checked at once (:func:`same_text_check_many`: two statements for the lot instead of two per
    piece). The chat's writer stores a busy room's sends this way. Nothing is checked when the
    block raises (its transaction is rolled back with what it created)."""
    if getattr(_together, "pending", None) is not None:  # nested: the outer block checks
        yield
        return
    _together.pending = []
    try:
        yield
        pending = _together.pending
    finally:
        _together.pending = None
    same_text_check_many(pending)


def same_text_check(content) -> int:
    """Fingerprint newly created ``content`` and raise the signal on it and on each copy posted by
    another account within the window. Call inside the transaction that created it. Returns how
    many queue items were raised (0 within :func:`checked_together`, which checks on leaving)."""
    pending = getattr(_together, "pending", None)
    if pending is not None:
        pending.append(content)
        return 0
    return same_text_check_many([content])


def same_text_check_many(contents) -> int:
    """:func:`same_text_check` for each of ``contents`` (created in this order, in the current
    transaction): one insert of their fingerprints and one query of which texts other accounts
    posted within the window; only a piece whose text another account posted (rare: a wave, a
    copy) costs the queries that find and raise its copies. Returns how many were raised."""
    from community.moderation.queue import _created

    prepared = []  # (content, kind, author id, digest, created)
    for content in contents:
        kind = kind_for_model(type(content))
        if kind is None or not kind.compares_text:
            continue
        author_id = kind.author_id_of(content)
        digest = digest_of(str(kind.excerpt(content) or "")) if author_id else None
        if digest is not None:
            prepared.append((content, kind, author_id, digest, _created(content)))
    if not prepared:
        return 0
    window = timedelta(hours=settings.MODERATION_SAME_TEXT_HOURS)
    # Who posted each text within the window: earlier rows, then this batch's (a copy in the same
    # batch counts too).
    authors: dict[str, set[int]] = {}
    for digest, author_id in (TextFingerprint.objects.filter(
            digest__in={p[3] for p in prepared}, created__gte=min(p[4] for p in prepared) - window)
            .values_list("digest", "author_id").distinct()):
        authors.setdefault(digest, set()).add(author_id)
    for _content, _kind, author_id, digest, _created_at in prepared:
        authors.setdefault(digest, set()).add(author_id)
    TextFingerprint.objects.bulk_create([
        TextFingerprint(content_type=ContentType.objects.get_for_model(content, for_concrete_model=False),
                        object_id=content.pk, author_id=author_id, digest=digest, created=created)
        for content, _kind, author_id, digest, created in prepared], ignore_conflicts=True)
    raised = 0
    for content, kind, author_id, digest, created in prepared:
        if authors[digest] - {author_id}:
            raised += _raise_copies(content, kind, author_id, digest, created, window)
    return raised


def _raise_copies(content, kind: ContentKind, author_id: int, digest: str, created, window: timedelta) -> int:
    """Raise the signal on ``content`` and each copy of its text by another account within the
    window (once per pair); how many were raised."""
    from community.moderation.queue import queue_raise

    copies = list(TextFingerprint.objects.filter(digest=digest, created__gte=created - window)
                  .exclude(author_id=author_id).order_by("created", "pk")[:MAX_COPIES])
    if not copies:
        return 0
    names = dict(get_user_model().objects.filter(pk__in={author_id, *(c.author_id for c in copies)})
                 .values_list("pk", "username"))
    raised = 0
    for copy in copies:
        model = ContentType.objects.get_for_id(copy.content_type_id).model_class()
        other_kind = kind_for_model(model) if model else None
        other = model._default_manager.filter(pk=copy.object_id).first() if other_kind else None
        if other is None:
            continue
        hours = abs(created - copy.created).total_seconds() / 3600
        for this, that, that_kind, that_author in ((content, other, other_kind, copy.author_id),
                                                   (other, content, kind, author_id)):
            evidence = {
                "summary": _("the same text as %(kind)s #%(id)d by %(author)s, %(hours).1f h apart") % {
                    "kind": str(that_kind.label).lower(), "id": that.pk, "author": names.get(that_author, "?"),
                    "hours": hours},
                "other_kind": that_kind.key, "other_id": that.pk, "other_author": that_author,
            }
            if queue_raise(content=this, code=QueueReason.SIGNAL, key=copy_key(that_kind, that.pk),
                           text=_("The same text was posted by another account."), evidence=evidence):
                raised += 1
    return raised


def fingerprint_forget(content) -> None:
    """Deleted content is no longer compared."""
    ct = ContentType.objects.get_for_model(content, for_concrete_model=False)
    TextFingerprint.objects.filter(content_type=ct, object_id=content.pk).delete()
