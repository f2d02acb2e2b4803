"""The terminal view: revisions in history order, each with what went wrong right under it.

Colour and the progress bar are for people at a terminal. Pipes, CI logs and NO_COLOR get
the very same lines as plain text (one line builder, two outputs), so logs stay greppable and
the golden files test what people see.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from migcheck.model import Finding, RevisionResult, RunResult, Severity, Status
from migcheck.report.common import (
    HISTORY,
    Gate,
    RevisionGroup,
    blocking_findings,
    blocking_revisions,
    counts,
    duration,
    failed_steps,
    failure_where,
    findings_line,
    gate_line,
    grouped,
    one_line,
    passed,
    revisions_line,
    rule_for,
    statement_count,
    where,
)

STATUS = {
    Status.OK: ("ok", "green"),
    Status.FAILED: ("FAILED", "bold red"),
    Status.SKIPPED: ("skipped", "yellow"),
}
SEVERITY = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
INDENT = " " * 10
MESSAGE_WIDTH = 44


def use_color(stream: TextIO) -> bool:
    """Colour only for a person at a terminal who has not asked for none (no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def render(result: RunResult, color: bool = False) -> str:
    """The run as text; with `color`, styled with ANSI escapes for a terminal."""
    lines = build_lines(result)
    if not color:
        return "\n".join(line.plain for line in lines) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=400)
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
    return buffer.getvalue()


def build_lines(result: RunResult) -> list[Text]:
    gate = Gate.of(result)
    lines = [
        Text.assemble((f"migcheck {result.command}", "bold"), f": {result.project.config_file}"),
        Text(f"server: {result.server.description or result.server.kind}", style="dim"),
    ]
    if "gate" in result.extras:
        lines.append(Text(f"gate: {gate_line(gate)}", style="dim"))
    id_width = min(max((len(r.revision) for r in result.revisions), default=12), 32)
    for group in grouped(result):
        lines.extend(_group_lines(group, gate, id_width, result))
    lines.extend(_summary_lines(result))
    return lines


def _group_lines(group: RevisionGroup, gate: Gate, id_width: int, result: RunResult) -> list[Text]:
    revision = group.revision
    lines = [_revision_line(revision, gate, id_width) if revision else Text(f"  {HISTORY}")]
    if revision is not None:
        for step in failed_steps(revision):
            assert step.failure is not None
            lines.append(
                Text(f"{INDENT}{step.direction} failed at {failure_where(revision, step)}")
            )
            lines.append(Text(f"{INDENT}{step.failure.summary}", style="red"))
            if step.failure.statement:
                lines.append(Text(f"{INDENT}statement: {one_line(step.failure.statement)}"))
    for finding in group.findings:
        lines.extend(_finding_lines(finding, result))
    return lines


def _revision_line(revision: RevisionResult, gate: Gate, id_width: int) -> Text:
    mark, style = STATUS[revision.status]
    message = one_line(revision.message, MESSAGE_WIDTH)
    line = Text.assemble(
        "  ",
        (f"{mark:<8}", style),
        (f"{revision.revision:<{id_width}}", "bold"),
        f" {message:<{MESSAGE_WIDTH}}",
    )
    if revision.status is Status.SKIPPED:
        line.append(f" ({revision.skipped_because or 'not run'})", style="dim")
    else:
        line.append(
            f" {statement_count(revision):>4} stmts {duration(revision.duration_ms):>10}",
            style="dim",
        )
    if gate.is_new(revision.revision):
        line.append("  new", style="bold magenta")
    return line


def _finding_lines(finding: Finding, result: RunResult) -> list[Text]:
    rule = rule_for(finding.code)
    head = Text.assemble(
        INDENT,
        (f"{finding.severity.value:<8}", SEVERITY[finding.severity]),
        (finding.code, "bold"),
        f" {rule.name}" if rule else "",
        (f"  {where(result, finding)}", "dim"),
    )
    if finding.tenant:
        head.append(f"  [tenant {finding.tenant}]", style="dim")
    pad = INDENT + " " * 8
    lines = [head, Text(f"{pad}{finding.message}")]
    if finding.hint:
        lines.append(Text(f"{pad}hint: {finding.hint}", style="green"))
    if finding.sql:
        lines.append(Text(f"{pad}sql: {one_line(finding.sql, 120)}", style="dim"))
    return lines


def _summary_lines(result: RunResult) -> list[Text]:
    c = counts(result)
    summary = Text(f"{revisions_line(c)} in {result.duration_ms / 1000:.2f} s; {findings_line(c)}")
    if passed(result):
        return [summary, Text(f"passed ({gate_line(Gate.of(result))})", style="bold green")]
    reasons = []
    if failed := len(blocking_revisions(result)):
        reasons.append(f"{failed} failed revision{'s' if failed != 1 else ''}")
    if found := len(blocking_findings(result)):
        reasons.append(f"{found} blocking finding{'s' if found != 1 else ''}")
    verdict = f"FAILED: {', '.join(reasons)} ({gate_line(Gate.of(result))})"
    return [summary, Text(verdict, style="bold red")]


@contextmanager
def replay_progress(total: int, stream: TextIO | None = None) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr naming the revision being replayed; silent unless a TTY.

    Call the yielded function with a label (e.g. "c4a7e1f09b25 create products") as each
    revision starts; the bar advances past the previous one. The bar disappears at the end,
    leaving the terminal to the report.
    """
    stream = stream or sys.stderr
    if not stream.isatty():
        yield lambda label: None
        return
    columns = (
        TextColumn("[bold]replaying[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(file=stream), transient=True) as progress:
        task = progress.add_task("", total=total)
        started = False

        def on_revision(label: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, description=one_line(label, 60))

        yield on_revision
