"""Plain-text rendering of a replay, revision by revision, for terminals and logs."""

from __future__ import annotations

from migcheck.model import RevisionResult, RunResult, Status, StepResult

_MARK = {Status.OK: "ok", Status.FAILED: "FAILED", Status.SKIPPED: "skipped"}


def _one_line(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def render_step_failure(revision: RevisionResult, step: StepResult) -> list[str]:
    failure = step.failure
    if failure is None:
        return []
    where = f"{failure.path or revision.path}:{failure.line}" if failure.line else revision.path
    lines = [f"          {step.direction} failed at {where}", f"          {failure.summary}"]
    if failure.statement:
        lines.append(f"          statement: {_one_line(failure.statement)}")
    return lines


def render_revision(revision: RevisionResult) -> list[str]:
    mark = _MARK[revision.status]
    title = f"  {mark:<8}{revision.revision:<14} {_one_line(revision.message, 50):<50}"
    if revision.status is Status.SKIPPED:
        return [f"{title} ({revision.skipped_because or 'not run'})"]
    step = revision.upgrade
    count = len(step.statements) if step else 0
    lines = [f"{title} {count:>4} stmts {revision.duration_ms:>9.1f} ms"]
    for candidate in (revision.upgrade, revision.downgrade):
        if candidate is not None:
            lines.extend(render_step_failure(revision, candidate))
    return lines


def render_replay(result: RunResult) -> str:
    lines = [
        f"migcheck {result.command}: {result.project.config_file}",
        f"server: {result.server.description}",
    ]
    for revision in result.revisions:
        lines.extend(render_revision(revision))
    counts = {status: 0 for status in Status}
    for revision in result.revisions:
        counts[revision.status] += 1
    lines.append(
        f"{len(result.revisions)} revisions: {counts[Status.OK]} applied, "
        f"{counts[Status.FAILED]} failed, {counts[Status.SKIPPED]} skipped "
        f"in {result.duration_ms / 1000:.2f} s"
    )
    return "\n".join(lines)
