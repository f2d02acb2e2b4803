"""Views of a RunResult that every renderer shares: order, grouping, counts and the gate.

Renderers must agree on what "failed" means and in which order things are listed, or the
terminal, the PR comment and the SARIF upload would tell different stories about one run.
Everything here is a pure function of the result (golden files depend on it).

The gate (`--fail-on`, `--since`) is recorded in `result.extras["gate"]` by `emit` before any
renderer runs, so a saved result re-rendered by `migcheck report` shows the same verdict.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType

from migcheck import rules
from migcheck.model import Finding, RevisionResult, RunResult, Severity, Status, StepResult

FAIL_ON_CHOICES = ("error", "warning", "info", "never")
HISTORY = "history"  # label of findings about the history as a whole (no revision)


@dataclass(frozen=True)
class Gate:
    """What makes the run fail: a severity threshold and, for pull requests, the new revisions."""

    fail_on: str = "error"
    since: str | None = None
    new_revisions: frozenset[str] | None = None  # None: every revision is held to its level

    @classmethod
    def of(cls, result: RunResult) -> Gate:
        raw = result.extras.get("gate") or {}
        new = raw.get("new_revisions")
        return cls(
            fail_on=raw.get("fail_on", "error"),
            since=raw.get("since"),
            new_revisions=frozenset(new) if new is not None else None,
        )

    def to_extras(self) -> dict[str, object]:
        return {
            "fail_on": self.fail_on,
            "since": self.since,
            "new_revisions": sorted(self.new_revisions) if self.new_revisions is not None else None,
        }

    def is_new(self, revision: str | None) -> bool:
        return self.new_revisions is not None and revision in self.new_revisions

    def blocks(self, severity: Severity) -> bool:
        return self.fail_on != "never" and severity.rank >= Severity(self.fail_on).rank

    def failure_severity(self, revision: RevisionResult) -> Severity:
        """A revision that does not apply is an error, unless --since says it is old news."""
        if self.new_revisions is None or revision.revision in self.new_revisions:
            return Severity.ERROR
        return Severity.WARNING


def failed_steps(revision: RevisionResult) -> list[StepResult]:
    return [
        s for s in (revision.upgrade, revision.downgrade) if s is not None and s.failure is not None
    ]


def blocking_findings(result: RunResult) -> list[Finding]:
    gate = Gate.of(result)
    return [f for f in result.findings if gate.blocks(f.severity)]


def blocking_revisions(result: RunResult) -> list[RevisionResult]:
    gate = Gate.of(result)
    return [r for r in result.failed_revisions if gate.blocks(gate.failure_severity(r))]


def passed(result: RunResult) -> bool:
    """The verdict every renderer shows and the exit code follows."""
    return not blocking_findings(result) and not blocking_revisions(result)


def unexplained_failures(result: RunResult) -> list[tuple[RevisionResult, StepResult]]:
    """Failed steps that no finding points at (same file and line).

    Formats that carry only findings (SARIF, workflow annotations) add these, so a revision
    that does not apply is never missing from them, nor reported twice.
    """
    pointed = {(finding_path(result, f), f.location.line) for f in result.findings}
    return [
        (revision, step)
        for revision in result.failed_revisions
        for step in failed_steps(revision)
        if step.failure and (step.failure.path or revision.path, step.failure.line) not in pointed
    ]


def finding_key(finding: Finding) -> tuple[object, ...]:
    """Worst first, then by place, so the first line a reader sees is the one to fix."""
    loc = finding.location
    return (
        -finding.severity.rank,
        loc.path or "",
        loc.line or 0,
        finding.code,
        finding.tenant or "",
        finding.message,
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_key)


@dataclass
class RevisionGroup:
    """A revision with its findings; `revision` is None for findings about the whole history."""

    revision: RevisionResult | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.revision.revision if self.revision else HISTORY


def grouped(result: RunResult, *, with_empty: bool = True) -> list[RevisionGroup]:
    """Findings grouped by revision in history order; history-wide findings come last."""
    groups = {r.revision: RevisionGroup(r) for r in result.revisions}
    loose = RevisionGroup(None)
    for finding in sorted_findings(result.findings):
        groups.get(finding.location.revision or "", loose).findings.append(finding)
    chosen = [
        g
        for g in groups.values()
        if with_empty or g.findings or (g.revision and g.revision.status is Status.FAILED)
    ]
    return [*chosen, loose] if loose.findings else chosen


def finding_path(result: RunResult, finding: Finding) -> str | None:
    """The file a finding points at: its own, else its revision's file."""
    if finding.location.path:
        return finding.location.path
    revision = result.revision(finding.location.revision or "")
    return revision.path if revision else None


def where(result: RunResult, finding: Finding) -> str:
    """`path:line` (or the path, or nothing) as users click it in terminals and editors."""
    path = finding_path(result, finding)
    if path and finding.location.line:
        return f"{path}:{finding.location.line}"
    return path or ""


def describe(finding: Finding, result: RunResult) -> str:
    """A finding as plain lines, for places that hold text only (JUnit, pytest reports)."""
    lines = [f"{finding.severity.value} {finding.code} {where(result, finding)}".rstrip()]
    lines.append(finding.message)
    if finding.tenant:
        lines.append(f"tenant: {finding.tenant}")
    if finding.hint:
        lines.append(f"hint: {finding.hint}")
    if finding.sql:
        lines.append(f"sql: {finding.sql.strip()}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Counts:
    revisions: int
    ok: int
    failed: int
    skipped: int
    errors: int
    warnings: int
    infos: int

    @property
    def findings(self) -> int:
        return self.errors + self.warnings + self.infos


def counts(result: RunResult) -> Counts:
    statuses = [r.status for r in result.revisions]
    severities = [f.severity for f in result.findings]
    return Counts(
        revisions=len(statuses),
        ok=statuses.count(Status.OK),
        failed=statuses.count(Status.FAILED),
        skipped=statuses.count(Status.SKIPPED),
        errors=severities.count(Severity.ERROR),
        warnings=severities.count(Severity.WARNING),
        infos=severities.count(Severity.INFO),
    )


def revisions_line(c: Counts) -> str:
    return f"{c.revisions} revisions: {c.ok} applied, {c.failed} failed, {c.skipped} skipped"


def findings_line(c: Counts) -> str:
    if not c.findings:
        return "no findings"
    parts = [
        _plural(c.errors, "error"),
        _plural(c.warnings, "warning"),
        f"{c.infos} info",
    ]
    return f"{_plural(c.findings, 'finding')} ({', '.join(parts)})"


def gate_line(gate: Gate) -> str:
    text = "never fails" if gate.fail_on == "never" else f"fails on {gate.fail_on}"
    if gate.since is not None:
        new = len(gate.new_revisions or ())
        text += f"; only the {_plural(new, 'revision')} added since {gate.since} held to error"
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def duration(ms: float) -> str:
    """Human durations: 850 ms, 12.4 s, 3 min 05 s."""
    if ms < 1000:
        return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def one_line(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def statement_count(revision: RevisionResult) -> int:
    return len(revision.upgrade.statements) if revision.upgrade else 0


def failure_where(revision: RevisionResult, step: StepResult) -> str:
    failure = step.failure
    assert failure is not None
    path = failure.path or revision.path
    return f"{path}:{failure.line}" if failure.line else path


def rule_for(code: str) -> rules.Rule | None:
    return catalogue().get(code)


@cache
def catalogue() -> Mapping[str, rules.Rule]:
    """Every registered rule: rules register themselves when their modules are imported."""
    if _import_if_present("migcheck.rules_doc") is None:
        for package in ("migcheck.checks", "migcheck.lint"):
            module = _import_if_present(package)
            for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{package}."):
                importlib.import_module(info.name)
    return rules.RULES


def _import_if_present(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None
