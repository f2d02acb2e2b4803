"""Blame: which revision created, changed or dropped what differs.

The history is a snapshot after each revision, in upgrade order (taken from the replay's
`after_step`). For every difference we follow the object (or the one attribute, or the row)
through the history and name the last revision that changed it. What no revision ever
created is said so; when a missing row's key or a missing object's name appears in a revision
file anyway (an INSERT guarded by a condition that was false on a fresh database), that file
and line are named, because that is where the fix goes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from migcheck.diff.difference import CHANGED, EXTRA, MISSING, Difference
from migcheck.snapshot import Snapshot

History = Sequence[tuple[str, Snapshot]]
_ABSENT = object()
_LITERAL = re.compile(r"'((?:[^']|'')+)'")


def blame(
    differences: list[Difference],
    history: History,
    sources: Sequence[tuple[str, str]] = (),
) -> list[Difference]:
    """Fill `revision` and `blame` of each difference; `sources` are (revision, file) pairs
    searched for mentions of what no revision creates. Returns the same list."""
    texts = _read_sources(sources)
    for difference in differences:
        _blame_one(difference, history, texts)
    return differences


def _blame_one(d: Difference, history: History, texts: Mentions) -> None:
    is_row = d.object_kind == "row"
    changes: list[tuple[str, Any, Any]] = []
    previous: Any = _ABSENT
    for revision, snapshot in history:
        value = _value(snapshot, d)
        if value != previous:
            changes.append((revision, previous, value))
            previous = value
    if d.kind == MISSING:
        dropped = [c for c in changes if c[2] is _ABSENT]
        if dropped:
            d.revision = dropped[-1][0]
            d.blame = f"{'deleted' if is_row else 'dropped'} by {d.revision}"
            return
        d.blame = f"no revision {'inserts' if is_row else 'creates'} it"
        mention = _mention(_search_term(d), texts)
        if mention is not None:
            d.revision, path, d.line = mention
            d.blame += f"; {_search_term(d)!r} appears in {path}:{d.line} ({d.revision})"
        return
    if not changes:
        return
    revision, before, _after = changes[-1]
    if d.kind == EXTRA or before is _ABSENT:
        created = [c for c in changes if c[1] is _ABSENT]
        revision = created[-1][0]
        d.blame = f"{'inserted' if is_row else 'created'} by {revision}"
    else:
        d.blame = f"changed by {revision}"
    d.revision = revision


def _value(snapshot: Snapshot, d: Difference) -> Any:
    """What the difference is about, as it stood in `snapshot` (_ABSENT if not there)."""
    if d.object_kind == "row":
        rows = snapshot.data.get(d.table or "")
        values = rows.rows.get(d.row or "") if rows is not None else None
        if values is None:
            return _ABSENT
        return values.get(d.attribute) if d.kind == CHANGED else values
    obj = snapshot.get(d.object_kind, d.name)
    if obj is None:
        return _ABSENT
    if d.kind != CHANGED:
        return obj.attrs
    attribute = "column_order" if d.attribute == "column order" else d.attribute
    return obj.attrs.get(attribute or "")


def _search_term(d: Difference) -> str:
    """A missing row's first quoted key value, or a missing object's bare name."""
    if d.object_kind == "row":
        literal = _LITERAL.search(d.row or "")
        return literal.group(1).replace("''", "'") if literal else ""
    return d.name.split("(", 1)[0].rsplit(".", 1)[-1]


Mentions = list[tuple[str, str, list[tuple[int, str]]]]  # (revision, path, string lines)


def _read_sources(sources: Sequence[tuple[str, str]]) -> Mentions:
    """Per revision file, the lines of its string constants (docstrings left out: a
    revision's description is not where it inserts anything)."""
    found: Mentions = []
    for revision, path in sources:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
            tree = ast.parse(text)
        except (OSError, SyntaxError, ValueError):
            continue
        lines = text.splitlines()
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef)
            and ast.get_docstring(node) is not None
        }
        strings = [
            (number, lines[number - 1])
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            if id(node) not in docstrings and node.end_lineno is not None
            for number in range(node.lineno, node.end_lineno + 1)
        ]
        found.append((revision, path, sorted(set(strings))))
    return found


def _mention(term: str, texts: Mentions) -> tuple[str, str, int] | None:
    """The first revision line whose strings hold `term` as a SQL literal or as a value."""
    if len(term) < 2:
        return None
    quoted = (f"'{term}'", f'"{term}"')
    for revision, path, lines in texts:
        for number, line in lines:
            if any(q in line for q in quoted):
                return revision, path, number
    return None
