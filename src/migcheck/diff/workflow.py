"""Replay a history and diff the result against a reference, with blame.

Order matters for speed and for fair keys. A loaded dump is a throwaway copy: it is read in
full first, and the natural keys it resolves are imposed on every replay snapshot, so rows
are matched the same way on both sides even if the replay lost a unique constraint. A live
URL (staging) is only read for the tables the replay fills, after the replay.

Blame needs a snapshot after every revision. A revision that ran no statement cannot have
changed anything, so the previous snapshot is reused; otherwise a full snapshot is taken
(tens of milliseconds for a typical schema; see BENCHMARKS.md), through a separate
read-only connection so env.py's own connection and transaction are never touched.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import psycopg
from alembic.script import Script

from migcheck.diff.blame import blame
from migcheck.diff.compare import DiffOptions, diff_snapshots
from migcheck.diff.difference import Difference
from migcheck.model import RevisionResult
from migcheck.project import Project
from migcheck.reference import open_reference
from migcheck.replay.runner import ReplayOptions, replayed
from migcheck.replay.session import Director
from migcheck.server.base import Server
from migcheck.snapshot import ALL_TABLES, PsycopgRunner, Snapshot, SnapshotOptions, take_snapshot

REPLAY_NAME = "diff"


@dataclass
class ReferenceDiff:
    reference: str
    differences: list[Difference]
    revisions: list[RevisionResult]
    history_ms: float  # spent on per-revision snapshots


class HistoryRecorder:
    """`after_step` callback collecting (revision, snapshot) pairs in upgrade order."""

    def __init__(self, server: Server, database: str, options: SnapshotOptions) -> None:
        self.server = server
        self.database = database
        self.options = options
        self.history: list[tuple[str, Snapshot]] = []
        self.elapsed_ms = 0.0
        self._connection: psycopg.Connection | None = None

    def __call__(self, director: Director, script: Script, result: RevisionResult) -> None:
        started = time.perf_counter()
        ran = result.upgrade is not None and result.upgrade.statements
        if self.history and not ran:
            snapshot = self.history[-1][1]
        else:
            snapshot = take_snapshot(PsycopgRunner(self._connect()), self.options)
        self.history.append((script.revision, snapshot))
        self.elapsed_ms += (time.perf_counter() - started) * 1000

    def snapshot(self) -> Snapshot:
        return take_snapshot(PsycopgRunner(self._connect()), self.options)

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


def diff_with_reference(
    project: Project,
    server: Server,
    source: str,
    replay_options: ReplayOptions,
    snapshot_options: SnapshotOptions,
    diff_options: DiffOptions,
    tables: list[str] | None = None,
) -> ReferenceDiff:
    """Load `source`, replay the history, and return every difference, blamed."""
    chosen = tables or ALL_TABLES
    with open_reference(source, server) as ref:
        reference_snapshot = None
        keys = dict(snapshot_options.natural_keys)
        if ref.is_copy:
            reference_snapshot = take_snapshot(
                PsycopgRunner(ref.connection),
                dataclasses.replace(snapshot_options, reference_tables=chosen),
            )
            keys = _keys(reference_snapshot) | keys
        options = dataclasses.replace(snapshot_options, reference_tables=chosen, natural_keys=keys)
        recorder = HistoryRecorder(server, server.database_name(REPLAY_NAME), options)
        try:
            with replayed(
                project, server, replay_options, after_step=recorder, name=REPLAY_NAME
            ) as done:
                actual = recorder.snapshot()
        finally:
            recorder.close()
        if reference_snapshot is None:
            reference_snapshot = take_snapshot(
                PsycopgRunner(ref.connection),
                dataclasses.replace(
                    snapshot_options,
                    reference_tables=tables or sorted(actual.data),
                    natural_keys=_keys(actual) | dict(snapshot_options.natural_keys),
                ),
            )
        differences = diff_snapshots(reference_snapshot, actual, diff_options)
        sources = [(r.revision, r.path) for r in done.revisions]
        blame(differences, recorder.history, sources)
        return ReferenceDiff(ref.source, differences, done.revisions, recorder.elapsed_ms)


def _keys(snapshot: Snapshot) -> dict[str, list[str]]:
    return {table: rows.key_columns for table, rows in snapshot.data.items()}
