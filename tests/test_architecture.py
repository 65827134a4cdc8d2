"""The map holds: every domain event is heard (or reserved) and documented, and the core
(``community/``) imports no feature app outside the composition root."""

from __future__ import annotations

import ast
from pathlib import Path

from django.dispatch import Signal

from community import events

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = {"settings.py", "urls.py", "asgi.py", "routing.py", "wsgi.py"}
FEATURE_APPS = {"reviews", "experts", "chat", "search"}


def _domain_events() -> dict[str, Signal]:
    return {name: value for name, value in vars(events).items() if isinstance(value, Signal)}


def test_every_domain_event_has_a_receiver_or_is_reserved():
    unheard = sorted(name for name, signal in _domain_events().items()
                     if not signal.receivers and name not in events.RESERVED)
    assert unheard == [], f"events nobody hears (add a receiver or list them in events.RESERVED): {unheard}"


def test_reserved_events_exist_and_are_still_unheard():
    signals = _domain_events()
    assert set(signals) >= events.RESERVED
    heard = sorted(name for name in events.RESERVED if signals[name].receivers)
    assert heard == [], f"reserved events that now have receivers (take them off events.RESERVED): {heard}"


def test_every_domain_event_is_listed_in_the_docstring():
    documented = {line.split("|")[1].strip() for line in events.__doc__.splitlines() if line.startswith("| ")}
    assert set(_domain_events()) <= documented


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_the_core_imports_no_feature_app_outside_the_composition_root():
    core = ROOT / "community"
    violations = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted(core.rglob("*.py"))
        if not (path.parent == core and path.name in COMPOSITION_ROOT)
        for line, module in _imported_modules(path)
        if module.split(".")[0] in FEATURE_APPS
    ]
    assert violations == []


def test_the_scan_sees_an_import_of_a_feature_app(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from reviews.models import Review\n    import chat.services\n", encoding="utf-8")
    assert [m for _line, m in _imported_modules(sample)] == ["reviews.models", "chat.services"]
