"""`migcheck squash --to REV`: one baseline revision instead of REV and its ancestors.

The baseline keeps REV's revision id, so databases already at REV (or past it) stay valid:
their alembic_version names a revision that still exists, and the revisions after REV still
point at it. It is planned like a repair of an empty database against the history replayed
up to REV (schema and reference rows, parents first), written by Alembic, and proved: the
whole history replayed with the baseline must give the same catalog snapshot and data as
the original history. Only then are the old files removed and the baseline moved in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from alembic.script import Script

from migcheck.diff import Difference, DiffOptions, diff_snapshots
from migcheck.errors import InputError
from migcheck.model import Status
from migcheck.project import Project
from migcheck.repair import prove as proving
from migcheck.repair.plan import Plan
from migcheck.repair.pysource import body
from migcheck.repair.revision import make_plan
from migcheck.repair.side import Side
from migcheck.replay.runner import ReplayOptions, replayed
from migcheck.server.base import Server
from migcheck.snapshot import ALL_TABLES, PsycopgRunner, SnapshotOptions, take_snapshot

FAILED = Status.FAILED
_OPTIONS = SnapshotOptions(reference_tables=ALL_TABLES)
_COMPARE = DiffOptions(column_order="error")  # a baseline has no reason to reorder columns


@dataclass
class Squash:
    target: str
    removed: list[str] = field(default_factory=list)  # revision ids replaced
    plan: Plan = field(default_factory=Plan)
    text: str = ""
    differences: list[Difference] = field(default_factory=list)  # original vs squashed
    failed: str = ""  # why the proof could not even compare
    path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.differences and not self.plan.unsupported


def _target(project: Project, rev: str) -> Script:
    try:
        target = project.script.get_revision(rev)
    except Exception:  # alembic: ambiguous or unknown identifiers
        target = None
    if target is None:
        raise InputError(f"--to {rev}: no such revision in {project.files.config_file}")
    return target


def _check_outside(project: Project, replaced: dict[str, Script], target: Script) -> None:
    """Revisions kept must point only at REV, never at what the baseline replaces."""
    for script in project.script.walk_revisions("base", "heads"):
        if script.revision in replaced:
            continue
        inside = sorted(
            p for p in project.parents(script) if p in replaced and p != target.revision
        )
        if inside:
            raise InputError(
                f"{project.files.relative(script.path)}: revision {script.revision} builds on "
                f"{', '.join(inside)}, which the squash to {target.revision} would remove; "
                "squash to a revision every later one descends from"
            )


def squash(
    project: Project,
    server: Server,
    replay: ReplayOptions,
    rev: str,
    message: str | None,
    dry_run: bool,
) -> Squash:
    target = _target(project, rev)
    replaced = project.ancestry([target.revision])
    _check_outside(project, replaced, target)
    outcome = Squash(target.revision, sorted(replaced))
    others = {s.path: None for s in project.script.walk_revisions() if s.revision not in replaced}
    with proving.patched(project, others) as upto:
        outcome.plan = _plan(upto, server, replay)
    if not outcome.plan.steps or outcome.plan.unsupported:
        return outcome
    gone = {s.path: None for s in replaced.values()}
    with proving.staged(proving.with_locations(project, [])) as (empty, staging):
        script = proving.generate(
            empty,
            staging,
            message or _message(target),
            target.revision,
            [],
            branch_labels=tuple(target.branch_labels or ()),
            upgrades=body(outcome.plan.upgrade()),
            downgrades=body(outcome.plan.downgrade()),
            imports="\n".join(sorted(outcome.plan.imports)),
        )
        outcome.text = Path(script.path).read_text(encoding="utf-8")
        original_revisions, original = proving.replay_snapshot(project, server, replay, _OPTIONS)
        with proving.patched(project, gone, extra=(staging,)) as squashed:
            revisions, result = proving.replay_snapshot(squashed, server, replay, _OPTIONS)
        failed = [r for r in [*original_revisions, *revisions] if r.status is FAILED]
        if failed:
            outcome.failed = f"revision {failed[0].revision} fails on a fresh database"
            step = failed[0].upgrade
            if step is not None and step.failure is not None:
                outcome.failed += f" ({step.failure.summary})"
            return outcome
        outcome.differences = diff_snapshots(original, result, _COMPARE)
        if outcome.ok and not dry_run:
            folder = Path(target.path).parent
            for path in gone:
                Path(path).unlink()
            outcome.path = proving.move_in(script, folder)
    return outcome


def _message(target: Script) -> str:
    return f"baseline: the schema and reference data of {target.revision}"


def _plan(upto: Project, server: Server, replay: ReplayOptions) -> Plan:
    """Everything the database at REV holds, as steps from an empty database."""
    empty_name = server.create_database("empty")
    try:
        with (
            replayed(upto, server, replay, name="squash") as done,
            psycopg.connect(server.conninfo(done.database), autocommit=True) as at_rev,
            psycopg.connect(server.conninfo(empty_name), autocommit=True) as empty,
        ):
            if done.failed:
                first = next(r for r in done.revisions if r.status is FAILED)
                raise InputError(
                    f"revision {first.revision} fails on a fresh database; fix it before "
                    "squashing (migcheck replay shows why)"
                )
            wanted = take_snapshot(PsycopgRunner(at_rev), _OPTIONS)
            nothing = take_snapshot(PsycopgRunner(empty), _OPTIONS)
            differences = diff_snapshots(wanted, nothing, _COMPARE)
            reference, actual = Side(at_rev, wanted), Side(empty, nothing)
            try:
                plan = make_plan(differences, reference, actual)
            finally:
                reference.close()
                actual.close()
    finally:
        server.drop_database(empty_name)
    for step in plan.steps:
        step.title = step.title.split(":", 1)[0] if step.name else "reference rows"
    return plan
