"""Differences as findings of the run's result model, and as text grouped by object kind."""

from __future__ import annotations

from collections.abc import Mapping

from migcheck.diff import rules  # noqa: F401 - registers the MC6xx rules
from migcheck.diff.difference import Difference
from migcheck.model import Finding, Location, Severity
from migcheck.rules import get


def to_finding(difference: Difference, paths: Mapping[str, str]) -> Finding:
    """One Finding per difference; `paths` maps revision ids to their files."""
    rule = get(difference.code)
    revision = difference.revision
    return Finding(
        code=rule.code,
        severity=difference.severity,
        message=difference.describe(),
        location=Location(
            path=paths.get(revision) if revision else None,
            line=difference.line,
            revision=revision,
        ),
        hint=rule.fix,
        check="diff",
        subject=difference.subject,
        details=difference.to_dict(),
    )


def render_text(differences: list[Difference]) -> list[str]:
    """One line per difference, under a heading per object kind, blame appended."""
    lines: list[str] = []
    current = None
    for d in differences:
        group = "rows" if d.object_kind == "row" else d.object_kind
        if group != current:
            current = group
            lines.append(f"{group}:")
        mark = " (info)" if d.severity is Severity.INFO else ""
        blame = f"  [{d.blame}]" if d.blame else ""
        lines.append(f"  {d.code} {d.describe()}{mark}{blame}")
    return lines
