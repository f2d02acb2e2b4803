"""The stairway: the program env.py runs for `migcheck run`, one revision at a time.

For each revision:

    upgrade (an Alembic step)            -> snapshot A (the "before" of the next revision)
    parent lookups that found nothing    (queries on the upgraded database)
    downgrade, snapshot, upgrade again,  (contained: rolled back to A afterwards;
      snapshot, each compared              see roundtrip.py)
    upgrade once more on A               (data migrations only; rolled back; see data.py)

so a revision costs two or three snapshots (one more for a data migration), each re-reading
only what changed since the one before (snapshot/tracked.py), and nothing is ever replayed
from base twice. A failed upgrade is rolled back by the engine and its descendants are
skipped; a failed downgrade is a finding and the stairway goes on. At the head, the models
are compared with the database. The per-revision snapshots double as the history that blames
reference differences.

A stairway may check only a part of the history (`part`, asked before each revision): it
then applies the revisions before that part without checking them, and stops where it ends.
That is how a long history is checked by two processes at once (halves.py).
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from alembic.runtime.migration import MigrationStep
from alembic.script import Script

from migcheck.checks import drift
from migcheck.checks.data import (
    Revisions,
    declared_inserts,
    explain_fk_violation,
    null_lookups,
    rerun,
)
from migcheck.checks.roundtrip import irreversible_by_config, round_trip
from migcheck.model import Finding, RevisionResult, Status
from migcheck.project import Project
from migcheck.replay.runner import explain_failure, parents_of
from migcheck.replay.session import Director, uses_autocommit
from migcheck.snapshot import Snapshot, as_runner
from migcheck.snapshot.changes import written_tables
from migcheck.snapshot.tracked import TrackedSnapshot, advance, track

if TYPE_CHECKING:
    from migcheck.checks.pipeline import RunOptions


def revisions_of(project: Project, results: list[RevisionResult]) -> Revisions:
    """The run's revisions with what each declares and each one's ancestors."""
    by_id = {s.revision: s for s in project.ordered_revisions()}
    ancestors: dict[str, frozenset[str]] = {}
    for script in by_id.values():  # parents come first in upgrade order
        parents = parents_of(project, script)
        ancestors[script.revision] = frozenset(
            parents.union(*(ancestors.get(p, frozenset()) for p in parents))
        )
    declared = {r.revision: declared_inserts(Path(by_id[r.revision].path), r.path) for r in results}
    return Revisions(results=results, declared=declared, ancestors=ancestors)


class Part(enum.Enum):
    """What a stairway does with a revision (see `Stairway.part`)."""

    CHECK = "check"
    APPLY = "apply"  # only applied: another process checks it
    STOP = "stop"  # not run here: another process checks it and the rest


def _whole(position: int) -> Part:
    return Part.CHECK


class Stairway:
    """The program env.py runs: see the module docstring. Collects findings and snapshots."""

    def __init__(
        self,
        project: Project,
        options: RunOptions,
        revisions: Revisions,
        part: Callable[[int], Part] = _whole,
        keep_history: bool | None = None,
    ) -> None:
        self.project = project
        self.options = options
        self.revisions = revisions
        # Asked with each revision's position (in upgrade order) before it runs: applied
        # ones come before checked ones, which come before the stop.
        self.part = part
        self.first_checked: int | None = None  # the position of the first revision checked
        self.findings: list[Finding] = []
        # (revision, snapshot after it): what blames reference differences, so only kept
        # when there is a reference (it holds a snapshot per revision).
        self.keep_history = options.reference is not None if keep_history is None else keep_history
        self.history: list[tuple[str, Snapshot]] = []
        self.head = Snapshot()
        # Column types (`schema.table.column` -> type) before each revision that changed one.
        self.types_before: dict[str, dict[str, str]] = {}
        # Whether snapshots read everything (see round_trip); before _without_version_table.
        self.complete = options.snapshot.reads_everything()

    def __call__(self, director: Director) -> Iterator[MigrationStep]:
        self.options = _without_version_table(self.options, director)
        checks = self.options.checks
        by_id = {r.revision: r for r in self.revisions.results}
        blocked: dict[str, str] = {}
        written: set[str] = set()
        before: TrackedSnapshot | None = None
        at_head = True
        for position, script in enumerate(self.project.ordered_revisions()):
            part = self.part(position)
            if part is Part.STOP:
                at_head = False
                break
            if part is Part.CHECK and self.first_checked is None:
                self.first_checked = position
            revision = by_id[script.revision]
            parents = sorted(parents_of(self.project, script))  # sorted: stable reasons
            cause = next((blocked[p] for p in parents if p in blocked), None)
            if cause is not None:
                blocked[script.revision] = cause
                revision.status, revision.skipped_because = Status.SKIPPED, cause
                continue
            if part is Part.APPLY:
                yield director.step(script, "upgrade")
                assert director.last is not None
                revision.status = director.last.status
                if revision.status is Status.FAILED:
                    blocked[script.revision] = f"{script.revision} failed"
                continue
            if before is None:  # the first revision checked
                director.on_applied = lambda conn: written.update(written_tables(as_runner(conn)))
                before = self._track(director)
            if self.options.on_revision is not None:
                self.options.on_revision(f"{script.revision} {revision.message}")
            written.clear()
            yield director.step(script, "upgrade")
            assert director.last is not None
            revision.upgrade, revision.status = director.last, director.last.status
            if revision.status is Status.FAILED:
                blocked[script.revision] = f"{script.revision} failed"
                explain_failure(self.project, script, director.last, self.options.replay)
                self._explain_fk_violation(director, revision)
                continue
            # Writes committed in autocommit blocks escape the per-transaction counts.
            after = self._advance(director, before, written, full=uses_autocommit(script))
            if self.keep_history:
                self.history.append((script.revision, after.snapshot))
            if any(_ALTER_TYPE.search(s.sql) for s in revision.upgrade.statements):
                self.types_before[script.revision] = _column_types(before.snapshot)
            self.head = after.snapshot
            if "data" in checks:
                with director.paused():
                    self.findings += null_lookups(director.connection, revision, self.revisions)
            if "roundtrip" in checks and not self._round_trip(
                director, script, revision, before.snapshot, after
            ):
                blocked[script.revision] = f"the round trip of {script.revision} did not come back"
            elif "data" in checks:
                self.findings += rerun(
                    director, script, revision, after.snapshot, self._snaps(director, after)
                )
            before = after
        director.on_applied = None
        if "models" in checks and not blocked and at_head:
            self.findings += drift.check_model_drift(director)

    def _track(self, director: Director) -> TrackedSnapshot:
        with director.paused():
            return track(as_runner(director.connection), self.options.snapshot)

    def _advance(
        self,
        director: Director,
        base: TrackedSnapshot,
        written: set[str] | None,
        full: bool = False,
    ) -> TrackedSnapshot:
        """`base` brought up to date; `written`: see snapshot.tracked.advance."""
        if full:
            return self._track(director)
        with director.paused():
            return advance(as_runner(director.connection), base, self.options.snapshot, written)

    def _snaps(
        self, director: Director, start: TrackedSnapshot, full: bool = False
    ) -> Callable[[], Snapshot]:
        """Snapshots of the database as a check changes it, each read from the one before
        (the first from `start`); full reads when the check commits in between (autocommit
        blocks), where no transaction's counts see every write."""
        state = start

        def snap() -> Snapshot:
            nonlocal state
            state = self._advance(director, state, None, full)
            return state.snapshot

        return snap

    def _explain_fk_violation(self, director: Director, revision: RevisionResult) -> None:
        if "data" not in self.options.checks:
            return
        with director.paused():
            finding = explain_fk_violation(director.connection, revision, self.revisions)
        if finding is not None:
            self.findings.append(finding)

    def _round_trip(
        self,
        director: Director,
        script: Script,
        revision: RevisionResult,
        before: Snapshot,
        after: TrackedSnapshot,
    ) -> bool:
        """Run the round trip; False when the database could not be brought back."""
        if script.revision in self.options.irreversible:
            self.findings.append(irreversible_by_config(revision))
            return True
        snap = self._snaps(director, after, full=uses_autocommit(script))
        trip = round_trip(director, script, revision, before, after.snapshot, snap, self.complete)
        revision.downgrade = trip.downgrade
        self.findings += trip.findings
        return trip.intact


_ALTER_TYPE = re.compile(r"\bALTER\s+COLUMN\b.*\bTYPE\b", re.IGNORECASE | re.DOTALL)


def _column_types(snapshot: Snapshot) -> dict[str, str]:
    return {o.name: o.attrs["type"] for o in snapshot.objects.values() if o.kind == "column"}


def _without_version_table(options: RunOptions, director: Director) -> RunOptions:
    """The options with env.py's version table left out of snapshots and comparisons when it
    has a name of its own (version_table=...): its row changes with every step."""
    context = director.context
    if context is None or (
        context.version_table == "alembic_version" and not context.version_table_schema
    ):
        return options
    name = ".".join(filter(None, (context.version_table_schema, context.version_table)))
    snapshot = dataclasses.replace(
        options.snapshot, exclude_tables=[*options.snapshot.exclude_tables, name]
    )
    diff = dataclasses.replace(options.diff, ignore=[*options.diff.ignore, name])
    return dataclasses.replace(options, snapshot=snapshot, diff=diff)
