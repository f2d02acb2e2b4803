"""Which findings count, and how much: `[tool.migcheck]` selection applied to any findings.

    [tool.migcheck]
    select = ["MC7", "MC8"]             # codes or prefixes; empty or absent: everything
    ignore = ["MC902"]
    severity = { "MC701" = "error" }    # re-grade a code (or a prefix)
    per-file-ignores = { "migrations/versions/2019_*.py" = ["MC9"] }
    fail-on = "warning"                 # the default of --fail-on (fail_on works too)

Codes match by prefix, as in ruff: "MC7" means every MC7xx. When select and ignore both
match, the longer (more specific) entry wins, and ignore wins a tie. The same functions gate
lint and every check of `migcheck run`, so one configuration governs both.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from migcheck import suppress
from migcheck.config import Settings
from migcheck.errors import InputError
from migcheck.model import Finding, Severity

_CODE = re.compile(r"^(ALL|MC\d{0,3})$")


def parse_severity(value: object, where: str) -> Severity:
    """A severity name from config or a flag; an unknown one is an input error naming `where`."""
    try:
        return Severity(str(value).lower())
    except ValueError:
        names = ", ".join(s.value for s in Severity)
        raise InputError(f"{where}: unknown severity {value!r}; use one of {names}") from None


def matches(code: str, patterns: Iterable[str]) -> str | None:
    """The longest pattern (code or prefix, or ALL) matching `code`, or None."""
    hits = [p for p in patterns if p == "ALL" or code.startswith(p)]
    return max(hits, key=lambda p: 0 if p == "ALL" else len(p), default=None)


def _specificity(pattern: str | None) -> int:
    if pattern is None:
        return -1
    return 0 if pattern == "ALL" else len(pattern)


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    root: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Selection:
        where = f"{settings.source or 'settings'}: [tool.migcheck]"
        grades = settings.get("severity", {})
        files = settings.get("per-file-ignores", {})
        if not isinstance(grades, dict) or not isinstance(files, dict):
            raise InputError(f"{where} severity and per-file-ignores must be tables")
        return cls(
            select=_codes(settings.get("select", []), f"{where} select"),
            ignore=_codes(settings.get("ignore", []), f"{where} ignore"),
            severity=tuple(
                (_codes([code], f"{where} severity")[0], parse_severity(value, f"{where} severity"))
                for code, value in grades.items()
            ),
            per_file_ignores=tuple(
                (pattern, _codes(codes, f"{where} per-file-ignores"))
                for pattern, codes in files.items()
            ),
            root=settings.root,
        )

    def allows(self, finding: Finding) -> bool:
        selected = matches(finding.code, self.select) if self.select else "ALL"
        ignored = matches(finding.code, self.ignore)
        if selected is None or _specificity(ignored) >= _specificity(selected):
            return False
        path = finding.location.path
        return not (
            path
            and any(
                matches(finding.code, codes)
                for pattern, codes in self.per_file_ignores
                if self._path_matches(path, pattern)
            )
        )

    def grade(self, finding: Finding) -> Finding:
        best = matches(finding.code, (code for code, _ in self.severity))
        if best is None:
            return finding
        return replace(finding, severity=dict(self.severity)[best])

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        return [self.grade(f) for f in findings if self.allows(f)]

    def _path_matches(self, path: str, pattern: str) -> bool:
        """Patterns are relative to the project root (the pyproject's folder); a pattern
        without a slash also matches a file name anywhere."""
        candidates = {Path(path).as_posix()}
        if self.root is not None:
            with contextlib.suppress(ValueError):
                candidates.add(Path(path).resolve().relative_to(self.root.resolve()).as_posix())
        if "/" not in pattern:
            candidates.add(Path(path).name)
        return any(fnmatch.fnmatchcase(c, pattern) for c in candidates)


def _codes(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f'{where} must be a list of codes such as "MC701" or prefixes "MC7"')
    bad = [v for v in value if not _CODE.match(v)]
    if bad:
        raise InputError(f"{where}: {bad[0]!r} is not a code (MC701), a prefix (MC7) or ALL")
    return tuple(value)


def prepare(findings: Iterable[Finding], settings: Settings) -> list[Finding]:
    """Findings after `# migcheck: ignore[...]` comments and the [tool.migcheck] selection."""
    return Selection.from_settings(settings).apply(suppress.apply(findings))


def configured_fail_on(settings: Settings) -> str | None:
    """`fail-on` from [tool.migcheck], None when not set; callers check the value.

    `fail-on` is the canonical spelling (kebab-case, like `per-file-ignores` and the lint
    configuration); `fail_on` is accepted too. Both at once is an input error.
    """
    values = {key: settings.get(key) for key in ("fail-on", "fail_on")}
    given = {key: value for key, value in values.items() if value is not None}
    if len(given) > 1:
        where = f"{settings.source or 'settings'}: [tool.migcheck]"
        raise InputError(f"{where} sets both fail-on and fail_on; keep fail-on")
    value = next(iter(given.values()), None)
    return None if value is None else str(value)


def fail_on(settings: Settings, flag: str | None = None) -> Severity:
    """The --fail-on threshold: the flag, else [tool.migcheck] fail-on, else error."""
    value = flag if flag is not None else configured_fail_on(settings) or Severity.ERROR.value
    return parse_severity(value, "--fail-on" if flag is not None else "[tool.migcheck] fail-on")


def reaches(findings: Iterable[Finding], threshold: Severity) -> bool:
    """Whether any finding is at least as severe as `threshold` (the exit-1 test)."""
    return any(f.severity.rank >= threshold.rank for f in findings)
