import html
import random

import pytest
from django.core.exceptions import ValidationError

from community import text
from community.text import excerpt, plain_text, sanitize, sanitize_inline


def test_scripts_and_event_handlers_are_stripped():
    result = sanitize('<p onclick="x()">Привет</p><script>alert(1)</script><img src=x onerror=alert(1)>')
    assert "<script" not in result.html
    assert "onclick" not in result.html
    assert "onerror" not in result.html
    assert "<img" not in result.html
    assert result.html.startswith("<p>Привет</p>")


def test_allowed_formatting_is_kept():
    source = "<p><strong>Плюсы</strong> и <em>минусы</em></p><ul><li>раз</li></ul><blockquote>цитата</blockquote>"
    assert sanitize(source).html == source


def test_links_are_linkified_with_ugc_nofollow():
    html = sanitize("Смотрите https://example.com/x подробнее").html
    assert 'href="https://example.com/x"' in html
    assert 'rel="ugc nofollow noopener"' in html


def test_trusted_authors_links_are_followed_but_still_ugc():
    html = sanitize('<a href="https://example.com">тут</a>', follow_links=True).html
    assert 'rel="ugc noopener"' in html
    assert "nofollow" not in html


def test_javascript_urls_are_dropped():
    html = sanitize('<a href="javascript:alert(1)">x</a>').html
    assert "javascript" not in html


def test_plain_text_paragraphs_become_html_paragraphs_and_angle_brackets_are_escaped():
    html = sanitize("первый\nстрока\n\nвторой 5 < 6").html
    assert html == "<p>первый<br>строка</p><p>второй 5 &lt; 6</p>"


def test_source_is_kept_beside_html():
    result = sanitize("  текст  ")
    assert result.source == "текст"


def test_empty_text_is_rejected():
    with pytest.raises(ValidationError):
        sanitize("   ")


def test_too_long_text_is_rejected_with_its_length():
    with pytest.raises(ValidationError) as error:
        sanitize("я" * 10_001)
    assert "10001" in str(error.value)


def test_inline_messages_keep_no_block_tags():
    html = sanitize_inline("<p>привет</p>\nмир").html
    assert "<p>" not in html
    assert "&lt;p&gt;" in html
    assert "<br>" in html


def test_plain_chat_lines_skip_the_parser_and_come_out_as_the_sanitizer_makes_them():
    """``sanitize_inline`` returns plain one-line text as it is, without bleach: on a generated
    corpus of characters the sanitizer treats specially (markup, entities, dots and links, quotes,
    invisible and combining characters, separators, emoji), every line it passes through
    unchanged is exactly what bleach returns, for followed and unfollowed links alike."""
    pieces = list("abzABZабяЁё09 !\"#$%'()*+,-./:;=?@[\\]^_`{|}~«»—…№\u0301\u00e9\u4e2d\U0001F600\ufffd"
                  "\u00a0\u200b\u200d\u202e\t\u2028\x7f\ufdd0")
    pieces += ["http", "https://", "www", ".ru", ".com", "&amp;", "&#60;", "<b>", "</i>", "example.com", "..",
               ". ", "@mail", "javascript:"]
    generator = random.Random(2026)
    passed_through = 0
    for _ in range(4000):
        line = "".join(generator.choice(pieces) for _ in range(generator.randint(1, 24))).strip()
        if not line:
            continue
        plain = line.isprintable() and not text._MARKUP_OR_LINK.search(line)
        passed_through += plain
        for follow in (False, True):
            by_bleach = text._cleaner(follow).clean(html.escape(line, quote=False))
            assert sanitize_inline(line, follow_links=follow).html == by_bleach, line
    assert passed_through > 400  # the corpus exercises the short cut, not only the parser
    assert sanitize_inline("Привет! Кто уже купил, доволен?").html == "Привет! Кто уже купил, доволен?"
    assert sanitize_inline("см. example.com").html.count("<a ") == 1  # a link still goes to the sanitizer
    assert sanitize_inline('a <b onclick="x">b</b>').html == 'a &lt;b onclick="x"&gt;b&lt;/b&gt;'


def test_excerpt_cuts_at_a_word_and_strips_tags():
    text = excerpt("<p>Очень хороший ноутбук для игр</p><p>второй абзац</p>", 20)
    assert text == "Очень хороший…"
    assert plain_text("<p>a</p><p>b &amp; c</p>") == "a b & c"


@pytest.mark.parametrize(("markup", "text"), [
    ("<p>a</p><p>b &amp; c</p>", "a b & c"),
    ("Привет <b>мир</b> &lt;3 &quot;x&quot; &#1071;&nbsp;я", "Привет мир <3 \"x\" Я я"),
    ("wor<b>d</b>s and <a href='/x'>ссылка</a>", "words and ссылка"),
    ("<h2>Заголовок</h2>текст<table><tr><td>a</td><td>b</td></tr></table>", "Заголовок текст a b"),
    ("<!-- скрыто -->a<br>b", "a b"),
    ("a < b and c > d, <p>unclosed <em>tag", "a < b and c > d, unclosed tag"),
    ("<img src=x onerror=alert(1)>хвост", "хвост"),
    ("", ""),
])
def test_plain_text_keeps_the_words_and_drops_the_markup(markup, text):
    assert plain_text(markup) == text
