"""Helpers for the `migcheck run` tests: run selected checks and list findings compactly."""

from __future__ import annotations

from pathlib import Path

from migcheck.checks.pipeline import RunOptions, run_checks
from migcheck.model import Finding, RunResult
from migcheck.project import load_project

SAMPLES = Path(__file__).resolve().parents[2] / "sample_migrations"


def run(server, root: Path, *checks: str, **options: object) -> RunResult:
    """run_checks with only the named checks (all of them when none is named)."""
    chosen = RunOptions(**options)  # type: ignore[arg-type]
    if checks:
        chosen.checks = frozenset(checks)
    return run_checks(load_project(root), server, chosen)


def found(findings: list[Finding]) -> list[tuple[str, str | None, str]]:
    """(code, revision, subject) of each finding, in the result's order."""
    return [(f.code, f.location.revision, f.subject) for f in findings]
