"""Replay a history and diff the result against a reference, with blame.

Order matters for fair keys. A loaded dump is a throwaway copy: it is read in full first,
and the natural keys it resolves are imposed on the replay's snapshots, so rows are matched
the same way on both sides even if the replay lost a unique constraint. A live URL
(staging) is only read for the tables the replay fills, after the replay.

Blame is lazy. A snapshot after every revision costs more than the replay itself on a long
history (BENCHMARKS.md), and tracking only what each revision touched is unsound (renaming a
table changes the text of every foreign key, view and trigger naming it, whose catalog rows
are untouched). So the first replay takes no per-revision snapshot at all; only when
something differs is the history replayed a second time, and after each revision that ran a
statement a probe reads just the objects (and rows) that differ. A clean run pays nothing.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from alembic.script import Script

from migcheck.diff.blame import blame
from migcheck.diff.compare import DiffOptions, diff_snapshots
from migcheck.diff.difference import Difference
from migcheck.model import RevisionResult
from migcheck.project import Project
from migcheck.reference import Reference, open_reference
from migcheck.replay.runner import ReplayOptions, replayed
from migcheck.replay.session import Director
from migcheck.server.base import Server
from migcheck.snapshot import ALL_TABLES, PsycopgRunner, Snapshot, SnapshotOptions, take_snapshot

_REFERENCES = re.compile(r"REFERENCES ([^(]+)\(")


@dataclass
class ReferenceDiff:
    reference: str
    differences: list[Difference]
    revisions: list[RevisionResult]
    blame_ms: float  # the probing replay; 0 when nothing differed


class HistoryRecorder:
    """`after_step` callback collecting (revision, snapshot) pairs in upgrade order, through
    its own read-only connection (env.py's connection and transaction are never touched)."""

    def __init__(self, server: Server, database: str, options: SnapshotOptions) -> None:
        self.server = server
        self.database = database
        self.options = options
        self.history: list[tuple[str, Snapshot]] = []
        self._connection: psycopg.Connection | None = None

    def __call__(self, director: Director, script: Script, result: RevisionResult) -> None:
        ran = result.upgrade is not None and result.upgrade.statements
        if self.history and not ran:
            snapshot = self.history[-1][1]  # no statement, no change
        else:
            snapshot = take_snapshot(PsycopgRunner(self._connect()), self.options)
        self.history.append((script.revision, snapshot))

    def _connect(self) -> psycopg.Connection:
        if self._connection is None:
            self._connection = psycopg.connect(
                self.server.conninfo(self.database),
                autocommit=True,
                options="-c default_transaction_read_only=on",
            )
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@dataclass
class Comparison:
    """Both sides of a reference comparison, while both databases still exist (inside
    `compared`): what repair needs to read definitions from either side."""

    reference: Reference
    reference_snapshot: Snapshot
    connection: psycopg.Connection  # to the replayed database (autocommit)
    actual: Snapshot
    revisions: list[RevisionResult]
    options: SnapshotOptions  # as both sides were read (natural keys resolved)
    differences: list[Difference]


@dataclass
class Against:
    """What a replay is compared with, and how: the reference (dump or URL), what is read
    from both sides, what counts as a difference, and the tables whose rows count (None:
    every table holding rows)."""

    source: str
    snapshot_options: SnapshotOptions
    diff_options: DiffOptions
    tables: list[str] | None = None


@contextmanager
def compared(
    project: Project, server: Server, replay_options: ReplayOptions, against: Against
) -> Iterator[Comparison]:
    """Load the reference, replay the history, and compare (no blame); both databases are
    dropped when the block ends."""
    tables = against.tables
    with open_reference(against.source, server) as ref:
        options = dataclasses.replace(
            against.snapshot_options, reference_tables=tables or ALL_TABLES
        )
        reference = None
        if ref.is_copy:
            reference = take_snapshot(PsycopgRunner(ref.connection), options)
            options = _with_keys(options, reference)
        with (
            replayed(project, server, replay_options, name="diff") as done,
            psycopg.connect(server.conninfo(done.database), autocommit=True) as conn,
        ):
            actual = take_snapshot(PsycopgRunner(conn), options)
            if reference is None:  # a live database: only the tables the replay fills, or named
                options = _with_keys(options, actual)
                live = (
                    options
                    if tables
                    else dataclasses.replace(options, reference_tables=sorted(actual.data))
                )
                reference = take_snapshot(PsycopgRunner(ref.connection), live)
            differences = diff_snapshots(reference, actual, against.diff_options)
            yield Comparison(ref, reference, conn, actual, done.revisions, options, differences)


def diff_with_reference(
    project: Project, server: Server, replay_options: ReplayOptions, against: Against
) -> ReferenceDiff:
    """Load the reference, replay the history, and return every difference, blamed."""
    with compared(project, server, replay_options, against) as found:
        reference, actual, options = found.reference_snapshot, found.actual, found.options
        differences, revisions, label = found.differences, found.revisions, found.reference.source
    started = time.perf_counter()
    if differences:
        probe = dataclasses.replace(
            options,
            scope=probe_scope(differences, reference, actual),
            kinds=sorted({d.object_kind for d in differences}),
        )
        history = replay_history(project, server, replay_options, probe)
        blame(differences, history, [(r.revision, r.path) for r in revisions])
    blame_ms = (time.perf_counter() - started) * 1000
    return ReferenceDiff(label, differences, revisions, blame_ms)


def replay_history(
    project: Project, server: Server, replay_options: ReplayOptions, options: SnapshotOptions
) -> list[tuple[str, Snapshot]]:
    """Replay again, snapshotting (within `options.scope`) after every revision."""
    recorder = HistoryRecorder(server, server.database_name("blame"), options)
    try:
        with replayed(project, server, replay_options, after_step=recorder, name="blame"):
            pass
    finally:
        recorder.close()
    return recorder.history


def probe_scope(differences: list[Difference], reference: Snapshot, actual: Snapshot) -> list[str]:
    """The names a probe must read to follow every difference: each object's own name and
    its table's; for rows, the table and the tables its foreign keys render parents from."""
    names: set[str] = set()
    for d in differences:
        if d.object_kind == "row" and d.table:
            names.add(d.table)
            names.update(_parents(d.table, reference) | _parents(d.table, actual))
            continue
        names.add(d.name.split("(", 1)[0])
        obj = reference.get(d.object_kind, d.name) or actual.get(d.object_kind, d.name)
        if obj is not None and obj.owner is not None:
            names.add(obj.owner[1])
    return sorted(names)


def _parents(table: str, snapshot: Snapshot) -> set[str]:
    return {
        match.group(1)
        for obj in snapshot.of_kind("constraint")
        if obj.parent == ("table", table)
        for match in [_REFERENCES.search(obj.attrs.get("definition") or "")]
        if match
    }


def _with_keys(options: SnapshotOptions, snapshot: Snapshot) -> SnapshotOptions:
    """Options whose natural keys are those `snapshot` resolved (configured ones win)."""
    keys = {table: rows.key_columns for table, rows in snapshot.data.items()}
    return dataclasses.replace(options, natural_keys=keys | dict(options.natural_keys))
