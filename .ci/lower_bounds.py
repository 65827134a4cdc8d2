"""Print a pip constraints file pinning every direct dependency to its lower bound.

CI installs with it (``make test-lowest``) so the lower bounds in pyproject.toml are tested,
not guessed; the lock file (requirements.lock) tests the upper end.
Usage: python .ci/lower_bounds.py > constraints-lowest.txt
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
for extra in project.get("optional-dependencies", {}).values():
    requirements.extend(extra)

missing = []
for requirement in requirements:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", requirement)
    name, spec = match.group(1), match.group(3)
    lower = re.search(r">=\s*([^,;\s]+)", spec)
    upper = re.search(r"<\s*([^,;\s=]+)", spec)
    if not lower or not upper:
        missing.append(requirement)
        continue
    print(f"{name}=={lower.group(1)}")
if missing:
    sys.exit("every direct dependency needs a lower and an upper bound: " + ", ".join(missing))
