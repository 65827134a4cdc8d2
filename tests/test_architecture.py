"""The map holds: every domain event is heard (or reserved) and documented, the core
(``community/``) imports no feature app outside the composition root, the core's templates
(``templates/``) load no feature app's template tags or static files, and the lists of apps in
settings and the Makefile follow the README's map."""

from __future__ import annotations

import ast
import re
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


# --- the core's templates name no feature app ----------------------------------------------------

CORE_STATIC = {"css/site.css", "js/site.js"}


def _feature_tag_libraries() -> set[str]:
    return {path.stem for app in FEATURE_APPS for path in (ROOT / app).glob("templatetags/*.py")
            if path.stem != "__init__"}


def _template_violations(text: str, libraries: set[str]) -> list[str]:
    found = []
    for match in re.finditer(r"{%\s*load\s+([^%]+?)\s*%}", text):
        names = set(match.group(1).split()) - {"from"}
        found += [f"loads {name}" for name in sorted(names & libraries)]
    for match in re.finditer(r"{%\s*static\s+['\"]([^'\"]+)['\"]", text):
        static_path = match.group(1)
        if static_path.startswith(("css/", "js/")) and static_path not in CORE_STATIC:
            found.append(f"links {static_path}")
    return found


def test_the_core_templates_load_no_feature_apps_tags_or_assets():
    libraries = _feature_tag_libraries()
    assert {"chat_tags", "reviews_tags"} <= libraries
    violations = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for what in _template_violations(path.read_text(encoding="utf-8"), libraries)
    ]
    assert violations == []


def test_the_template_scan_sees_a_feature_tag_library_and_a_feature_asset():
    sample = "{% load static i18n chat_tags %}<link href=\"{% static 'css/chat.css' %}\"><link href=\"{% static 'css/site.css' %}\">"
    assert _template_violations(sample, {"chat_tags"}) == ["loads chat_tags", "links css/chat.css"]


# --- one order for the apps ---------------------------------------------------------------------------


def _map_order() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Where things are: the map"):]
    return [m.group(1).strip("/").replace("/", ".") for m in re.finditer(r"^\| `([a-z/]+)`", table, re.M)]


def test_settings_list_the_apps_in_the_order_of_the_map():
    from django.conf import settings

    order = _map_order()
    assert order[:2] == ["community", "community.catalog"]
    ours = [app for app in settings.INSTALLED_APPS if app in order]
    # Sub-packages that are not Django apps of their own (chat/support) are rows of the map too.
    assert ours == [app for app in order if app in settings.INSTALLED_APPS]


def test_the_makefile_lists_app_catalogs_in_the_order_of_the_map():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dirs = re.search(r"^APP_LOCALE_DIRS := (.+)$", makefile, re.M).group(1).split()
    order = [app.replace(".", "/") for app in _map_order()]
    assert dirs == [app for app in order if app in dirs]
