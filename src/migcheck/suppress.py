"""`# migcheck: ignore[CODE]` and `# migcheck: ignore-file[CODE]` comments in revision files.

A line comment silences the codes on its line, or anywhere in the (simple) Python statement
it belongs to: a multi-line `op.execute('''...''')` can carry it on its first or last line,
or as `-- migcheck: ignore[CODE]` inside the SQL. Codes match by prefix ("MC7"); a comment
without brackets silences every code. It applies to any finding that has a path and a line,
so findings of `migcheck run` honour the same comments.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from migcheck.model import Finding

_COMMENT = re.compile(r"(?:#|--)\s*migcheck:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?")
ALL = ("ALL",)


@dataclass
class FileSuppressions:
    """The ignore comments of one file."""

    file_codes: list[str] = field(default_factory=list)
    line_codes: dict[int, list[str]] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)  # simple statements' lines

    @classmethod
    def read(cls, path: Path) -> FileSuppressions:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return cls()
        found = cls()
        if "migcheck:" not in text:
            return found
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _COMMENT.finditer(line):
                codes = _split(match.group(2))
                if match.group(1) == "ignore-file":
                    found.file_codes.extend(codes)
                else:
                    found.line_codes.setdefault(number, []).extend(codes)
        if found.line_codes:
            found.spans = _statement_spans(text)
        return found

    def silences(self, code: str, line: int | None) -> bool:
        if _matches(code, self.file_codes):
            return True
        if line is None:
            return False
        first, last = min(
            (s for s in self.spans if s[0] <= line <= s[1]),
            key=lambda s: s[1] - s[0],
            default=(line, line),
        )
        return any(_matches(code, self.line_codes.get(n, ())) for n in range(first, last + 1))


def apply(findings: Iterable[Finding]) -> list[Finding]:
    """The findings no ignore comment silences (files are read once each)."""
    cache: dict[str, FileSuppressions] = {}
    kept = []
    for finding in findings:
        path = finding.location.path
        if path is None:
            kept.append(finding)
            continue
        if path not in cache:
            cache[path] = FileSuppressions.read(Path(path))
        if not cache[path].silences(finding.code, finding.location.line):
            kept.append(finding)
    return kept


def _split(codes: str | None) -> list[str]:
    if codes is None:
        return list(ALL)
    return [c for c in re.split(r"[\s,]+", codes.strip()) if c]


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in patterns)


def _statement_spans(text: str) -> list[tuple[int, int]]:
    """Line spans of simple statements (those without a body of their own)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    return [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt) and not hasattr(node, "body")
    ]
