"""Page health checks shared by the suite: valid HTML5, unique ids, labelled controls, landmarks.

``assert_healthy_page(html)`` is what a validator and an accessibility linter would catch
first, made fast enough to run on every page a test renders.
"""

from __future__ import annotations

from collections import Counter

import html5lib
from html5lib.constants import namespaces

XHTML = namespaces["html"]


def _tag(element) -> str:
    return element.tag.split("}", 1)[-1]


def parse_strict(html: str):
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=True)
    document = parser.parse(html)
    errors = [
        f"{pos}: {code} {data or ''}" for pos, code, data in parser.errors
        # The parser reports these for valid inline SVG/template content and for
        # Wagtail's userbar custom element; they are not errors in HTML5.
        if code not in {"unknown-end-tag-in-svg"}
    ]
    return document, errors


def assert_healthy_page(html: str, *, full_page: bool = True) -> None:
    document, errors = parse_strict(html)
    assert not errors, "HTML parse errors:\n" + "\n".join(errors[:20])
    elements = list(document.iter())
    ids = Counter(e.get("id") for e in elements if e.get("id"))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"

    labels_for = {e.get("for") for e in elements if _tag(e) == "label"}
    wrapped = set()
    for label in (e for e in elements if _tag(e) == "label"):
        for child in label.iter():
            if _tag(child) in {"input", "select", "textarea"}:
                wrapped.add(id(child))
    unlabelled = []
    for e in elements:
        name = _tag(e)
        if name not in {"input", "select", "textarea"}:
            continue
        if name == "input" and e.get("type") in {"hidden", "submit", "button", "reset", "image"}:
            continue
        if e.get("id") in labels_for or id(e) in wrapped or e.get("aria-label") or e.get("aria-labelledby"):
            continue
        unlabelled.append(f"<{name} name={e.get('name')!r} id={e.get('id')!r}>")
    assert not unlabelled, f"form controls without a label: {unlabelled}"

    for img in (e for e in elements if _tag(e) == "img"):
        assert img.get("alt") is not None, f"<img src={img.get('src')!r}> has no alt attribute"

    if full_page:
        html_el = next(e for e in elements if _tag(e) == "html")
        assert html_el.get("lang"), "<html> has no lang"
        h1s = [e for e in elements if _tag(e) == "h1"]
        assert len(h1s) == 1, f"expected one <h1>, found {len(h1s)}"
        for landmark in ("header", "main", "footer", "nav"):
            assert any(_tag(e) == landmark for e in elements), f"no <{landmark}> landmark"
        titles = [e for e in elements if _tag(e) == "title"]
        assert titles and (titles[0].text or "").strip(), "empty <title>"
