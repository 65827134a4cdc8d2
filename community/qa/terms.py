"""Words of question titles: URL slugs and the crude stems behind "similar questions".

Similar questions must work on SQLite too, where ``LIKE``/``lower()`` only fold ASCII case, so
the stems are computed in Python once, on write, and stored lowercase in
``Question.title_terms``; a lookup is then a plain substring match on stored stems. Stemming
is deliberately simple (a word's first five letters): it catches "батарея"/"батареи",
"зарядка"/"зарядки" and is good enough to *suggest*; the search app does real full-text search.
"""

from __future__ import annotations

import re

from django.utils.text import slugify

STEM_LENGTH = 5
MAX_TERMS = 20
SLUG_MAX_LENGTH = 60
DEFAULT_SLUG = "vopros"

_WORD = re.compile(r"[\w]+", re.UNICODE)

# Words that say nothing about the subject of a question (Russian and English).
STOPWORDS = frozenset(re.findall(r"\S+", """
    а без бы в во вам вас ведь вот все всё вы где да для до его ее её если есть ещё еще же за и из
    или им их к как какая какие каким какой кто ли либо мне можно мой моя на над надо не него нет
    ни но ну о об он она они оно от по под при про с со так также там те тем то того тоже только
    том у уже хотя чем через что чтобы чья эта эти это этот я ваш ваша ваше ваши вообще подскажите
    скажите пожалуйста

    a an and are can do does for from has have how i in is it its my of on or the this to what
    when where which who why will with you your
    """))

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def slug_for(title: str) -> str:
    """An ASCII slug for the question's URL (``есть ли NFC?`` → ``est-li-nfc``)."""
    slug = slugify(transliterate(title))[:SLUG_MAX_LENGTH].strip("-")
    return slug or DEFAULT_SLUG


def stems(text: str) -> list[str]:
    """Distinct crude stems of the meaningful words of ``text``, in order of appearance."""
    result: list[str] = []
    for word in _WORD.findall((text or "").lower().replace("ё", "е")):
        if word in STOPWORDS or word.replace("_", "") == "":
            continue
        if len(word) < 3 and not any(ch.isdigit() for ch in word):
            continue
        stem = word[:STEM_LENGTH]
        if stem not in result:
            result.append(stem)
        if len(result) >= MAX_TERMS:
            break
    return result


def stored_terms(title: str) -> str:
    """The value of ``Question.title_terms``: stems between spaces (`` зарядк компле ``)."""
    found = stems(title)
    return f" {' '.join(found)} " if found else ""
