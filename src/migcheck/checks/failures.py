"""A failed step as a finding: the revision file and line that raised, and the classified
failure (SQLSTATE, constraint, statement), worded like a failed upgrade in the replay report."""

from __future__ import annotations

from migcheck.model import Finding, Location, RevisionResult, StepResult
from migcheck.rules import Rule


def step_failure(rule: Rule, revision: RevisionResult, step: StepResult, check: str) -> Finding:
    failure = step.failure
    assert failure is not None
    return Finding(
        code=rule.code,
        severity=rule.severity,
        message=f"{revision.revision}: {step.direction} failed: {failure.summary}",
        location=Location(
            path=failure.path or revision.path, line=failure.line, revision=revision.revision
        ),
        hint=failure.hint or rule.fix,
        check=check,
        subject=f"{step.direction} {failure.kind.value}",
        sql=failure.statement,
        details={"failure": failure.kind.value, "sqlstate": failure.sqlstate},
    )
