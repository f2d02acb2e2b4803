"""`--format github`: workflow commands that put findings on the revision lines of a PR.

Printed in a GitHub Actions step, `::error file=...,line=...::` lines become annotations on
the pull request's diff; the terminal view goes into a collapsed log group. The job summary
(the Markdown report) is written to $GITHUB_STEP_SUMMARY by `emit`, not here: renderers
only return text.
"""

from __future__ import annotations

from migcheck.model import RunResult, Severity
from migcheck.report import terminal
from migcheck.report.common import (
    Gate,
    counts,
    finding_path,
    findings_line,
    passed,
    revisions_line,
    rule_for,
    sorted_findings,
    unexplained_failures,
)

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(result: RunResult) -> str:
    c = counts(result)
    verdict = "passed" if passed(result) else "failed"
    lines = [
        f"::group::migcheck {result.command} {verdict}: {revisions_line(c)}; {findings_line(c)}",
        terminal.render(result).rstrip("\n"),
        "::endgroup::",
    ]
    for finding in sorted_findings(result.findings):
        path = finding_path(result, finding)
        rule = rule_for(finding.code)
        title = f"{finding.code} {rule.name}" if rule else finding.code
        message = finding.message + (f"\nHint: {finding.hint}" if finding.hint else "")
        lines.append(_command(LEVEL[finding.severity], message, path, finding.location.line, title))
    gate = Gate.of(result)
    for revision, step in unexplained_failures(result):
        failure = step.failure
        assert failure is not None
        title = f"{revision.revision}: {step.direction} failed"
        level = LEVEL[gate.failure_severity(revision)]
        path = failure.path or revision.path
        lines.append(_command(level, failure.summary, path, failure.line, title))
    return "\n".join(lines) + "\n"


def _command(level: str, message: str, path: str | None, line: int | None, title: str) -> str:
    properties = [f"file={_property(path)}"] if path else []
    if path and line:
        properties.append(f"line={line}")
    properties.append(f"title={_property(title)}")
    return f"::{level} {','.join(properties)}::{_data(message)}"


def _data(text: str) -> str:
    """Escape a workflow command's message the way @actions/core does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
