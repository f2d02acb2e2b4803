"""`--format markdown`: a pull-request comment (also the GitHub job summary).

Written for a reviewer: the verdict first, then only the revisions that need attention with
their findings and SQL, and the full revision table folded away. The hidden marker on the
first line lets a workflow find and update its previous comment instead of adding another.
"""

from __future__ import annotations

from migcheck.model import Finding, RevisionResult, RunResult, Severity, Status
from migcheck.report.common import (
    Gate,
    RevisionGroup,
    counts,
    duration,
    failed_steps,
    failure_where,
    findings_line,
    gate_line,
    grouped,
    passed,
    revisions_line,
    rule_for,
    statement_count,
    where,
)

MARKER = "<!-- migcheck:report -->"
MAX_FINDINGS = 50  # GitHub comments stop at 65,536 characters
STATUS = {Status.OK: "✅", Status.FAILED: "❌", Status.SKIPPED: "⏭️"}
SEVERITY = {Severity.ERROR: "🔴", Severity.WARNING: "🟡", Severity.INFO: "🔵"}


def render(result: RunResult) -> str:
    gate = Gate.of(result)
    ok = passed(result)
    c = counts(result)
    server = result.server.description or result.server.kind
    lines = [
        MARKER,
        f"## {'✅' if ok else '❌'} migcheck {result.command} {'passed' if ok else 'failed'}",
        "",
        f"{code(result.project.config_file)} · {server} · {duration(result.duration_ms)}"
        f" · {gate_line(gate)}",
        "",
        f"**{revisions_line(c)}** · **{findings_line(c)}**",
        "",
    ]
    attention = grouped(result, with_empty=False)
    if attention:
        lines.extend(["### What needs attention", ""])
        lines.extend(_attention(attention, gate, result))
    if result.revisions:
        lines.extend(_revision_table(result, gate))
    return "\n".join(lines).rstrip() + "\n"


def _attention(groups: list[RevisionGroup], gate: Gate, result: RunResult) -> list[str]:
    lines: list[str] = []
    shown = 0
    for group in groups:
        if shown == MAX_FINDINGS:
            break
        revision = group.revision
        if revision is None:
            lines.extend(["#### History", ""])
        else:
            new = " 🆕" if gate.is_new(revision.revision) else ""
            title = f"{code(revision.revision)} {cell(revision.message)}".rstrip()
            lines.extend([f"#### {STATUS[revision.status]} {title}{new}", ""])
            lines.extend([code(revision.path), ""])
            lines.extend(_failure_items(revision))
        for finding in group.findings:
            if shown == MAX_FINDINGS:
                break
            lines.extend(_finding_item(finding, result))
            shown += 1
    if shown < len(result.findings):
        rest = len(result.findings) - shown
        lines.extend([f"… and {rest} more findings: see the full report.", ""])
    return lines


def _failure_items(revision: RevisionResult) -> list[str]:
    lines = []
    for step in failed_steps(revision):
        failure = step.failure
        assert failure is not None
        lines.append(
            f"- **{step.direction} failed** at {code(failure_where(revision, step))}: "
            f"{cell(failure.summary)}"
        )
        if failure.statement:
            lines.extend(["", *indented(fence(failure.statement, "sql"))])
        lines.append("")
    return lines


def _finding_item(finding: Finding, result: RunResult) -> list[str]:
    rule = rule_for(finding.code)
    head = f"- {SEVERITY[finding.severity]} **{finding.severity.value}** {code(finding.code)}"
    if rule:
        head += f" {rule.name}"
    if place := where(result, finding):
        head += f" at {code(place)}"
    if finding.tenant:
        head += f" (tenant {code(finding.tenant)})"
    lines = [head, "", f"  {cell(finding.message)}", ""]
    if finding.hint:
        lines.extend([f"  **Hint:** {cell(finding.hint)}", ""])
    if finding.sql:
        block = [
            "<details><summary>SQL</summary>",
            "",
            *fence(finding.sql, "sql"),
            "",
            "</details>",
        ]
        lines.extend([*indented(block), ""])
    return lines


def _revision_table(result: RunResult, gate: Gate) -> list[str]:
    per_revision = {g.label: len(g.findings) for g in grouped(result)}
    lines = [
        f"<details><summary>All {len(result.revisions)} revisions</summary>",
        "",
        "| | revision | message | statements | duration | findings |",
        "|---|---|---|---:|---:|---:|",
    ]
    for revision in result.revisions:
        new = " 🆕" if gate.is_new(revision.revision) else ""
        ran = revision.status is not Status.SKIPPED
        lines.append(
            f"| {STATUS[revision.status]} | {code(revision.revision)}{new} "
            f"| {cell(revision.message)} "
            f"| {statement_count(revision) if ran else ''} "
            f"| {duration(revision.duration_ms) if ran else cell(revision.skipped_because or '')} "
            f"| {per_revision.get(revision.revision) or ''} |"
        )
    return [*lines, "", "</details>", ""]


def code(text: str) -> str:
    """An inline code span that survives backticks inside."""
    text = " ".join(text.split())
    if "`" in text:
        return f"`` {text} ``"
    return f"`{text}`"


def cell(text: str) -> str:
    """One line of text that is safe inside a table cell or a list item."""
    return " ".join(text.split()).replace("|", "\\|")


def fence(text: str, language: str) -> list[str]:
    marker = "~~~" if "```" in text else "```"
    return [f"{marker}{language}", *text.strip("\n").splitlines(), marker]


def indented(lines: list[str]) -> list[str]:
    return [f"  {line}" if line else "" for line in lines]
