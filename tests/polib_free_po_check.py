"""A tiny .po reader for the translation tests (no extra dependency)."""

from __future__ import annotations

import ast
from pathlib import Path


def entries(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs; plural entries yield (msgid, first non-empty msgstr[n] or "");
    an entry with a context yields ``"<context>\x04<msgid>"``, its key in a compiled catalog."""
    result: list[tuple[str, str]] = []
    msgid = msgstr = context = None
    plural_strs: list[str] = []
    current = None
    fuzzy = False
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if msgid is not None:
                value = msgstr if msgstr is not None else ("" if any(not s for s in plural_strs) or not plural_strs else plural_strs[0])
                key = msgid if context is None else f"{context}\x04{msgid}"
                result.append((key, "" if fuzzy else value))
            msgid = msgstr = current = context = None
            plural_strs = []
            fuzzy = False
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if line.startswith("#"):
            continue
        if line.startswith("msgctxt "):
            context, current = ast.literal_eval(line[8:]), "msgctxt"
            continue
        if line.startswith("msgid_plural "):
            current = "plural"
            continue
        if line.startswith("msgid "):
            msgid, current = ast.literal_eval(line[6:]), "msgid"
        elif line.startswith("msgstr["):
            plural_strs.append(ast.literal_eval(line.split(" ", 1)[1]))
            current = "msgstr_plural"
        elif line.startswith("msgstr "):
            msgstr, current = ast.literal_eval(line[7:]), "msgstr"
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if current == "msgctxt":
                context += value
            elif current == "msgid":
                msgid += value
            elif current == "msgstr":
                msgstr += value
            elif current == "msgstr_plural":
                plural_strs[-1] += value
    return [(i, s) for i, s in result if i]


def untranslated(path: Path) -> list[str]:
    return [msgid for msgid, msgstr in entries(path) if not msgstr]
