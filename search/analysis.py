"""Text analysis shared by every engine: normalisation, words, stop words, Snowball stems,
the wrong keyboard layout, query parsing and highlighting in Python.

PostgreSQL stems with its own Snowball dictionaries; SQLite's FTS5 stores and matches the
stems computed here (PyStemmer, the Snowball C library), so both databases fold word forms,
case and ё/е the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_LENGTH = 200
MIN_WORD_LENGTH = 2
MAX_TERM_LENGTH = 40

_WORD = re.compile(r"[0-9a-zа-я]+")
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Stop words: the Snowball lists for Russian and English, trimmed to what carries no subject.
STOP_WORDS = frozenset(re.findall(r"\S+", """
    и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только ее её мне
    было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до
    вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя
    их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой
    совсем ним здесь этом один почти мой тем чтобы нее неё сейчас были куда зачем всех никогда можно при
    наконец два об другой хоть после над больше тот через эти нас про всего них какая много разве три
    эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно
    всю между это эта

    a an and are as at be but by for from has have he her his i if in into is it its me my no not of
    on or our she so than that the their them then there these they this to was we were what when
    where which who why will with you your
"""))

# QWERTY keys → the ЙЦУКЕН letters on the same keys (and back): «yjen,er» is «ноутбук».
_QWERTY = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./~QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>?"
_JCUKEN = "ёйцукенгшщзхъфывапролджэячсмитьбю.ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,"
_TO_RUSSIAN = str.maketrans(_QWERTY, _JCUKEN)
_TO_LATIN = str.maketrans(_JCUKEN, _QWERTY)


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Stemmer.Stemmer:
    stemmer = Stemmer.Stemmer(language)
    stemmer.maxCacheSize = 50_000
    return stemmer


def normalize(text: str) -> str:
    """Lower case, ё → е, control characters removed."""
    return _CONTROL.sub(" ", text or "").lower().replace("ё", "е")


def clean_query(raw: str | None) -> str:
    """What the visitor typed, cut at 200 characters and stripped of control characters."""
    return " ".join(_CONTROL.sub(" ", raw or "")[:MAX_QUERY_LENGTH].split())


def words(text: str) -> list[str]:
    """Normalised words of ``text`` (letters and digits), in order."""
    return [w[:MAX_TERM_LENGTH] for w in _WORD.findall(normalize(text))]


def is_meaningful(word: str) -> bool:
    return word not in STOP_WORDS and (len(word) >= MIN_WORD_LENGTH or word.isdigit())


def stem(word: str) -> str:
    """The Snowball stem of one normalised word: Russian for Cyrillic, English otherwise."""
    if _CYRILLIC.search(word):
        return _stemmer("russian").stemWord(word)
    if word.isdigit():
        return word
    return _stemmer("english").stemWord(word)


def stems(text: str) -> list[str]:
    """Stems of the meaningful words of ``text``, in order (what FTS5 stores on SQLite)."""
    return [stem(w) for w in words(text) if is_meaningful(w)]


def stemmed_text(text: str) -> str:
    return " ".join(stems(text))


def switch_layout(text: str) -> str | None:
    """The same keys read in the other keyboard layout, or None when that makes no sense.

    Latin letters (and the punctuation on Russian letter keys) become Cyrillic and vice versa;
    mixed text is left alone.
    """
    lowered = text.lower()
    has_cyrillic, has_latin = bool(_CYRILLIC.search(lowered)), bool(_LATIN.search(lowered))
    if has_latin and not has_cyrillic:
        return text.translate(_TO_RUSSIAN)
    if has_cyrillic and not has_latin:
        return text.translate(_TO_LATIN)
    return None


@dataclass
class ParsedQuery:
    """A query as terms (each a word) and phrases (each a list of words), stop words removed."""

    text: str
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    any_word: bool = False  # match records with any of the words, not all

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.phrases

    @property
    def all_words(self) -> list[str]:
        return self.terms + [w for phrase in self.phrases for w in phrase]

    @property
    def stems(self) -> set[str]:
        return {stem(w) for w in self.all_words}

    def fts5_match(self, *, column: str = "") -> str:
        """An FTS5 MATCH expression over stemmed columns: every term and phrase must occur
        (in ``column`` only, when given).

        Every part is a quoted string built from our own word characters, so nothing the
        visitor types can become FTS5 syntax.
        """
        parts = [f'"{stem(w)}"' for w in self.terms]
        parts += ['"' + " ".join(stem(w) for w in phrase) + '"' for phrase in self.phrases]
        if column:
            parts = [f"{column} : {part}" for part in parts]
        return (" OR " if self.any_word else " AND ").join(parts)

    def tsquery_any(self) -> str:
        """A ``to_tsquery`` text matching any word (words are [0-9a-zа-я] only: no syntax)."""
        return " | ".join(self.all_words)


def parse_query(text: str, *, any_word: bool = False) -> ParsedQuery:
    """Split a cleaned query into terms and "quoted phrases"; operators are just characters.
    With ``any_word`` the words are alternatives and quotes mean nothing."""
    parsed = ParsedQuery(text=text.replace('"', " ") if any_word else text, any_word=any_word)
    normalized = normalize(parsed.text)
    for index, chunk in enumerate(normalized.split('"')):
        found = [w for w in words(chunk) if is_meaningful(w)]
        if index % 2 == 1 and len(found) > 1:
            parsed.phrases.append(found)
        else:
            parsed.terms.extend(w for w in found if w not in parsed.terms)
    return parsed


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters («экарн» → «экран» is 1).

    Hyyrö's bit-parallel algorithm (2003): a column of the dynamic-programming table is kept as
    bit vectors of vertical deltas, so each letter of ``b`` costs a dozen integer operations
    instead of ``len(a)`` cell updates (about 5× faster in Python on dictionary words). Python's
    integers are unbounded and ``~`` acts as on infinite two's complement, so no masking is
    needed: carries only move upwards and only the bit of the last row is read.
    """
    if not a:
        return len(b)
    positions: dict[str, int] = {}
    bit = 1
    for letter in a:
        positions[letter] = positions.get(letter, 0) | bit
        bit <<= 1
    last_row = 1 << (len(a) - 1)
    vp, vn, d0, previous_match = (1 << len(a)) - 1, 0, 0, 0
    distance = len(a)
    for letter in b:
        match = positions.get(letter, 0)
        swap = (((~d0) & match) << 1) & previous_match
        d0 = (((match & vp) + vp) ^ vp) | match | vn | swap
        hp = vn | ~(d0 | vp)
        hn = d0 & vp
        if hp & last_row:
            distance += 1
        elif hn & last_row:
            distance -= 1
        hp = (hp << 1) | 1
        hn <<= 1
        vp = hn | ~(d0 | hp)
        vn = hp & d0
        previous_match = match
    return distance


def allowed_typos(word: str) -> int:
    """How many edits a word of this length may carry and still be corrected."""
    return 1 if len(word) <= 5 else 2


SNIPPET_LENGTH = 220
_ANY_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")


def highlight(text: str, query_stems: set[str], *, length: int = SNIPPET_LENGTH) -> SafeString:
    """An escaped excerpt of ``text`` around the first match, matched words in ``<mark>``."""
    text = " ".join((text or "").split())
    matches = [m for m in _ANY_WORD.finditer(text) if stem(normalize(m.group())) in query_stems] if query_stems else []
    start = 0
    if matches and matches[0].start() > length // 3:
        start = text.rfind(" ", 0, matches[0].start() - length // 4) + 1
    end = min(len(text), start + length)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + length // 2)
    out: list[str] = ["… " if start > 0 else ""]
    position = start
    for match in matches:
        if match.start() < start or match.end() > end:
            continue
        out.append(escape(text[position:match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    out.append(escape(text[position:end]))
    if end < len(text):
        out.append(" …")
    return mark_safe("".join(out))  # noqa: S308  (every piece of text above is escaped)


HEADLINE_START, HEADLINE_STOP = "\x02", "\x03"


def headline_to_html(headline: str) -> SafeString:
    """Escape a database headline whose matches are wrapped in the two sentinel characters."""
    escaped = escape(headline or "")
    return mark_safe(escaped.replace(HEADLINE_START, "<mark>").replace(HEADLINE_STOP, "</mark>"))  # noqa: S308
