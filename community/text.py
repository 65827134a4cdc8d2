"""The one sanitizer for user text, and the text helpers built on it.

All user-supplied HTML goes through :func:`sanitize` exactly once, on write: services store
the author's source next to the sanitized HTML and templates render the stored HTML. The
engine (bleach, as the product brief asks) is isolated here so it can be swapped for nh3 in
this one file. ``python manage.py resanitize`` re-renders stored HTML after a policy change.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

import bleach
from bleach.linkifier import Linker
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "blockquote", "a"})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel", "target"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
DEFAULT_MAX_LENGTH = 10_000

REL_NOFOLLOW = "ugc nofollow noopener"
REL_FOLLOW = "ugc noopener"

_BLOCK_TAGS = re.compile(r"</?(p|br|li|ul|ol|blockquote)[^>]*>", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_INLINE_TAGS = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
                          "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"})
_PARAGRAPH_SPLIT = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class SanitizedText:
    """The author's source and the HTML to render, stored side by side."""

    source: str
    html: str


def _set_rel(follow: bool):
    rel = REL_FOLLOW if follow else REL_NOFOLLOW

    def callback(attrs, new=False):
        href_key = (None, "href")
        href = attrs.get(href_key, "")
        if href.startswith("mailto:"):
            return attrs
        attrs[(None, "rel")] = rel
        attrs[(None, "target")] = "_blank"
        return attrs

    return callback


@lru_cache(maxsize=2)
def _cleaner(follow: bool) -> bleach.Cleaner:
    from bleach.linkifier import LinkifyFilter

    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[lambda source: LinkifyFilter(source, callbacks=[_set_rel(follow)], skip_tags={"pre"})],
    )


def check_length(source: str, *, max_length: int = DEFAULT_MAX_LENGTH, required: bool = True) -> str:
    """Return the stripped source, or raise ``ValidationError`` when empty or too long."""
    source = (source or "").replace("\r\n", "\n").strip()
    if required and not source:
        raise ValidationError(_("The text cannot be empty."), code="required")
    if len(source) > max_length:
        raise ValidationError(
            _("The text is too long: %(length)d characters, at most %(max)d allowed.")
            % {"length": len(source), "max": max_length},
            code="max_length",
        )
    return source


_HAS_BLOCKS = re.compile(r"<(p|ul|ol|blockquote)[\s>]", re.IGNORECASE)


def _paragraphs(source: str) -> str:
    """Text without block tags gets <p> per blank-line paragraph and <br> per line break.

    Bleach escapes any stray ``<`` afterwards, so nothing here needs escaping.
    """
    if _HAS_BLOCKS.search(source):
        return source
    parts = [part.strip() for part in _PARAGRAPH_SPLIT.split(source) if part.strip()]
    return "".join("<p>" + part.replace("\n", "<br>") + "</p>" for part in parts)


def sanitize(source: str, *, follow_links: bool = False, max_length: int = DEFAULT_MAX_LENGTH,
             required: bool = True) -> SanitizedText:
    """Validate and sanitize user text; links get ``rel="ugc nofollow noopener"``.

    ``follow_links`` drops ``nofollow`` (the author's trust decides it: Experts' links are
    followed). Raises ``ValidationError`` for empty or over-long text. The result's ``html``
    is safe to render with ``|safe``.
    """
    source = check_length(source, max_length=max_length, required=required)
    cleaned = _cleaner(follow_links).clean(_paragraphs(source))
    return SanitizedText(source=source, html=cleaned)


# Text the sanitizer would return unchanged: one line of printable characters (no controls, no
# separators but the space, no unassigned or private-use code points) without markup characters
# and without a dot followed by anything but a space (a link needs a domain: ``word.tld``).
_MARKUP_OR_LINK = re.compile(r"[<>&]|\.\S")


def sanitize_inline(source: str, *, max_length: int = 2_000, follow_links: bool = False) -> SanitizedText:
    """Sanitize a one-paragraph message (chat): no block tags, line breaks kept.

    Most chat lines are plain words: those are returned as they are, which is what the sanitizer
    returns for them (tests.test_text checks it on a generated corpus) at a tenth of its cost —
    the chat's writer sanitizes every message it stores."""
    source = check_length(source, max_length=max_length)
    if source.isprintable() and not _MARKUP_OR_LINK.search(source):
        return SanitizedText(source=source, html=source)
    escaped = html.escape(source, quote=False).replace("\n", "<br>")
    cleaned = _cleaner(follow_links).clean(escaped)
    return SanitizedText(source=source, html=cleaned)


class _TextOnly(HTMLParser):
    """The text of an HTML fragment: tags and comments dropped, character references decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")  # a block (a paragraph, a cell, an image) separates words

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")


def plain_text(value: str) -> str:
    """Tags stripped, entities decoded, whitespace folded: for meta descriptions, structured
    data and search. Text, not markup (whoever prints it escapes it): the standard library's
    tokenizer is enough, and a page calls this for every review it describes (bleach's html5lib
    parser costs about 1 ms a call)."""
    parser = _TextOnly()
    parser.feed(_BLOCK_TAGS.sub(" ", value or ""))
    parser.close()
    return _WHITESPACE.sub(" ", "".join(parser.parts)).strip()


def excerpt(value: str, length: int = 160) -> str:
    """A plain-text excerpt of at most ``length`` characters, cut at a word boundary."""
    text = plain_text(value)
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:—-") + "…"


def linker(follow_links: bool = False) -> Linker:
    """A linkifier with the site's rel policy, for text that is already escaped."""
    return Linker(callbacks=[_set_rel(follow_links)])
