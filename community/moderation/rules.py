"""Pre-moderation rules: whether new content waits for a moderator, and why.

Read from the Wagtail setting :class:`ModerationRules` (one query); each matching rule gives a
reason the queue shows («Ссылки от новичка», «Телефон или e-mail в тексте»…). The first-N rule
for new users is :func:`community.moderation.services.needs_premoderation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

LINK = re.compile(r"(https?://|www\.|<a\s)", re.I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+", re.U)
# Russian and international numbers: +7 (999) 123-45-67, 8 999 123 45 67, +44 20 7946 0958.
PHONE = re.compile(r"(?<![\w])(?:\+\d{1,3}|8)[\s\-(]*\d{2,4}[\s\-)]*\d{2,4}[\s\-]*\d{2}[\s\-]*\d{2}(?![\w])")


@dataclass(frozen=True)
class Rules:
    premoderate_first: int
    auto_hide_flags: int
    links_from_newcomers: bool
    contacts_in_text: bool
    repeated_text: bool
    stop_words: tuple[str, ...]
    moderate_all_in: frozenset[int]


def current_rules() -> Rules:
    """The rules as moderators set them (settings fall back to the server's values)."""
    from community.moderation.models import ModerationRules

    stored = ModerationRules.load()
    words = tuple(w.strip().lower() for w in stored.stop_words.splitlines() if w.strip())
    return Rules(
        premoderate_first=(stored.premoderate_first if stored.premoderate_first is not None
                           else settings.MODERATION_PREMODERATE_FIRST),
        auto_hide_flags=stored.auto_hide_flags or settings.MODERATION_AUTO_HIDE_FLAGS,
        links_from_newcomers=stored.links_from_newcomers, contacts_in_text=stored.contacts_in_text,
        repeated_text=stored.repeated_text,
        stop_words=words,
        moderate_all_in=frozenset(stored.moderate_all_in.values_list("pk", flat=True)) if stored.pk else frozenset(),
    )


def rule_reasons(*, author, text: str, product=None, rules: Rules | None = None,
                 same_text: str | None = None) -> list[str]:
    """Why content by ``author`` with ``text`` (about ``product``) waits for a moderator under
    the configured rules, beyond the first-contributions rule; empty when none applies.
    ``same_text`` is what the repeated-text rule compares (default ``text``): the part of the
    content its kind fingerprints (:mod:`community.moderation.same_text`)."""
    from community.moderation.services import can_moderate

    if author is None or author.is_staff or can_moderate(author):
        return []
    rules = rules or current_rules()
    text = text or ""
    reasons = []
    profile = getattr(author, "profile", None)
    if rules.links_from_newcomers and LINK.search(text) and (profile is None or profile.level == "newcomer"):
        reasons.append(_("A link from a Newcomer."))
    if rules.contacts_in_text and (PHONE.search(text) or EMAIL.search(text)):
        reasons.append(_("A phone number or an e-mail address in the text."))
    if rules.repeated_text:
        from community.moderation.same_text import posted_by_another_account

        if posted_by_another_account(text if same_text is None else same_text, author_id=author.pk):
            reasons.append(_("The same text was posted from another account."))
    lowered = text.lower()
    found = [word for word in rules.stop_words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered)]
    if found:
        reasons.append(_("Stop words: %(words)s.") % {"words": ", ".join(found[:5])})
    category = getattr(product, "top_category_id", None) if product is not None else None
    if category in rules.moderate_all_in:
        reasons.append(_("Everything in this category is moderated."))
    return reasons
