"""The W3C Nu HTML checker (vnu-jar from package-lock.json, run with Debian's Java).

``check_pages({name: html})`` writes the pages to files and validates them all in ONE java
invocation (the JVM start-up is most of the cost), returning ``{name: [error, ...]}``.
Where Java or ``node_modules`` is missing the caller skips with the reason — except in CI
(``REQUIRE_BROWSER=1``), where a missing checker is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def missing_reason() -> str | None:
    """Why the checker cannot run here, or None."""
    if shutil.which("java") is None:
        return "Java is not installed (Debian: apt-get install default-jre-headless)"
    if not VNU_JAR.exists():
        return "node_modules/vnu-jar is missing (make test runs npm ci)"
    return None


def required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def check_pages(pages: dict[str, str], workdir: Path) -> dict[str, list[str]]:
    files: dict[str, str] = {}
    for n, (name, html) in enumerate(pages.items()):
        path = workdir / f"page-{n:02d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.resolve().as_uri()] = name
    result = subprocess.run(
        ["java", "-Xss1m", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *(p.removeprefix("file://") for p in files)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    report = json.loads(result.stdout or "{}")
    errors: dict[str, list[str]] = {name: [] for name in pages}
    for message in report.get("messages", []):
        if message.get("type") != "error":
            continue
        url = message.get("url", "")
        name = files.get(url) or files.get(url.replace("file:/", "file:///", 1)) or url
        errors.setdefault(name, []).append(
            f"line {message.get('lastLine')}: {message.get('message')} [{message.get('extract', '').strip()}]")
    return {name: found for name, found in errors.items() if found}
