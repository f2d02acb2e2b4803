"""A long history's stairway checked by two processes at once, to use the second core.

The stairway is sequential: each revision is checked on what the revisions before it left.
But what they leave is what a plain replay leaves (round trips and re-runs are rolled back),
so a second process replays the history plainly (no snapshot, no round trip: a fraction of
the cost) while the run's own process checks it from the start, and takes over the rest once
it has caught up far enough: where the revisions left to the first process are as many as
those after it. The two then end together, whatever the machine, the history or the other
work on the cores (the branch-order worker) make each revision cost; no cost model to tune.
The two agree on that point under a lock (`Handover`): the first process claims each
revision before checking it, the second takes over only a revision not yet claimed.

The second process is spawned and attached like the branch-order worker (worker.py), on a
database of its own, and sends back its revisions' results, findings and snapshots, which
are folded into the first part's as if one stairway had run. One difference: a revision of
the first part whose round trip could not be contained and did not come back (an
autocommit block) blocks its descendants in that process only; the second process, on its
own database, checks them (and the models) as a fresh replay gives them.

Short histories and single-core machines are not split: the second process's start (about
a second) would cost more than it saves.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from migcheck.checks.data import Revisions
from migcheck.checks.stairway import Part, Stairway, revisions_of
from migcheck.checks.worker import Worker
from migcheck.model import Finding, RevisionResult
from migcheck.project import Project, ProjectFiles, load_files
from migcheck.replay import bootstrap
from migcheck.replay.runner import (
    ReplayOptions,
    connection_plan,
    describe_revisions,
    prepare_database,
)
from migcheck.replay.session import run_program
from migcheck.server.attached import AttachedServer
from migcheck.server.base import Server
from migcheck.snapshot import Snapshot

if TYPE_CHECKING:
    from migcheck.checks.pipeline import RunOptions

# Measured on the generated histories (bench/, 2 cores): below this many revisions the
# first process is done about when the second one has started.
_SHORTEST = 60
# What the second process does that the first does not (its first, full snapshot on a
# backend whose caches are cold, the models check at the head, sending its results back),
# in revisions' worth (measured at N=200: 0.5 s): it takes over that many fewer.
_TAIL = 12


def worth_splitting(count: int) -> bool:
    """Whether a history of `count` revisions is long enough, and the machine has the cores,
    for a second process to pay for its start."""
    return count >= _SHORTEST and _cores() >= 2


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Handover:
    """Where the second process takes over, agreed on while both run (see the module
    docstring); `fixed`, a position forced instead (tests). Shared with the second process
    when it is spawned."""

    def __init__(self, count: int, fixed: int | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self.count = count
        self.fixed = fixed
        self.tail = _TAIL  # read here: the second process gets the first one's value
        self._lock = context.Lock()
        self._claimed = context.RawValue("i", -1)  # the revision the first process checks
        self._start = context.RawValue("i", count if fixed is None else fixed)
        self._closed = context.RawValue("b", False)  # the first process is done

    def first(self, position: int) -> Part:
        """The first process, before checking the revision at `position`."""
        with self._lock:
            if position >= self._start.value:
                return Part.STOP
            self._claimed.value = position
            return Part.CHECK

    def second(self, position: int) -> Part:
        """The second process, which applied the revisions before `position`."""
        with self._lock:
            if position >= self._start.value:
                return Part.CHECK
            if self.fixed is not None:
                return Part.APPLY
            if self._closed.value:
                return Part.STOP  # the first process checked everything
            left_to_first = position - self._claimed.value
            if left_to_first >= self.count - position + self.tail:
                self._start.value = position
                return Part.CHECK
            return Part.APPLY

    def close(self) -> int | None:
        """The first process is done: where the second one took over (None: nowhere)."""
        with self._lock:
            self._closed.value = True
            return self._start.value if self._start.value < self.count else None


@dataclass
class _Outcome:
    """What the second process's stairway found, for `SecondHalf.merge`."""

    results: list[RevisionResult]
    findings: list[Finding]
    history: list[tuple[str, Snapshot]]
    head: Snapshot
    types_before: dict[str, dict[str, str]]


class SecondHalf:
    """The revisions the second process takes over (see `Handover`), checked by a worker
    process started now, before the run's server may even be up: it imports and loads the
    project meanwhile, then waits to be told the server (`attach`)."""

    def __init__(self, project: Project, options: RunOptions, handover: Handover) -> None:
        self.handover = handover
        # What crosses to the worker must pickle: no progress callback, no reference (the
        # caller may load it later; `attach` says whether snapshots are kept for blaming it).
        sent = dataclasses.replace(
            options, on_revision=None, reference=None, settings=None, second_half=None
        )
        receive, self._attach = multiprocessing.get_context("spawn").Pipe(duplex=False)
        self.worker = Worker(
            _check_from,
            project.files,
            options.replay,
            receive,
            sent,
            handover,
        )
        receive.close()  # the worker has its own end now

    def attach(self, server: Server, keep_history: bool) -> None:
        """Tell the worker the run's server, the bootstrap templates made on it so far, and
        whether to keep a snapshot per revision (there is a reference to blame)."""
        attach = (server.endpoint, server.describe(), f"{server.run_id}h")
        self._attach.send((attach, bootstrap.made_templates(server), keep_history))

    def merge(self, stairway: Stairway, revisions: Revisions) -> None:
        """Fold what the second process checked (nothing, when the first process checked
        every revision before it took one over) into `stairway` (waits for it)."""
        outcome: _Outcome = self.worker.result()
        if not outcome.results:
            return
        position = {r.revision: i for i, r in enumerate(revisions.results)}
        for result in outcome.results:
            revisions.results[position[result.revision]] = result
        stairway.findings += outcome.findings
        stairway.history += outcome.history
        stairway.head = outcome.head
        stairway.types_before.update(outcome.types_before)

    def cancel(self) -> None:
        self.worker.cancel()


def _check_from(
    files: ProjectFiles,
    replay: ReplayOptions,
    server_from: Connection,
    options: RunOptions,
    handover: Handover,
) -> _Outcome:
    """In the worker: apply the revisions plainly until taking over, check the rest."""
    project = load_files(files, replay.x_args, replay.url_env)
    attach, templates, keep_history = server_from.recv()  # see SecondHalf.attach
    with AttachedServer(*attach) as server:
        bootstrap.adopt_templates(server, templates)
        database = prepare_database(server, "run", replay, project)
        try:
            revisions = revisions_of(project, describe_revisions(project))
            stairway = Stairway(project, options, revisions, handover.second, keep_history)
            run_program(project, connection_plan(project, server, database, replay), stairway)
        finally:
            server.drop_database(database)
    first = stairway.first_checked
    return _Outcome(
        [] if first is None else revisions.results[first:],
        stairway.findings,
        stairway.history,
        stairway.head,
        stairway.types_before,
    )
