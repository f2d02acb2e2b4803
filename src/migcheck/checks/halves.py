"""A long history's stairway checked by two processes at once, to use the second core.

The stairway is sequential: each revision is checked on what the revisions before it left.
But what they leave is what a plain replay leaves (round trips and re-runs are rolled back),
so a second process replays the first part of the history plainly (no snapshot, no round
trip: a fraction of the cost) and checks the rest, while the run's own process checks the
first part. The second process is spawned and attached like the branch-order worker
(worker.py), on a database of its own, and sends back its revisions' results, findings and
snapshots, which are folded into the first part's as if one stairway had run. One
difference: a revision of the first part whose round trip could not be contained and did not
come back (an autocommit block) blocks its descendants in that process only; the second
process, on its own database, checks them (and the models) as a fresh replay gives them.

The split point evens out the two: the second process also pays for starting and for the
plain replay of the first part. Short histories and single-core machines are not split:
the second process would cost more than it saves.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migcheck.checks.data import Revisions
from migcheck.checks.stairway import Stairway, revisions_of
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
from migcheck.server.base import Endpoint, Server
from migcheck.snapshot import Snapshot

if TYPE_CHECKING:
    from migcheck.checks.pipeline import RunOptions

# Measured on the generated histories (bench/, 2 cores, with branch order running too): a
# revision checked costs about four applied plainly, and the second process needs nearly
# two seconds (start, load the project, create its database) before its first step.
_START_SECONDS = 1.8
_CHECK_SECONDS = 0.055
_APPLY_SECONDS = 0.015
_WORTH_SECONDS = 1.0  # what a split must save (by the same measure) to be made


def split_point(count: int) -> int | None:
    """Where the second process starts checking (a position in upgrade order), or None when
    the history is too short, or the machine has one core, for a split to pay."""
    if _cores() < 2:
        return None
    # The first part's checks take as long as the second process's start, its plain
    # replay of the first part and its checks of the rest.
    start = math.ceil(
        (_START_SECONDS + count * _CHECK_SECONDS) / (2 * _CHECK_SECONDS - _APPLY_SECONDS)
    )
    return start if (count - start) * _CHECK_SECONDS >= _WORTH_SECONDS else None


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class _Outcome:
    """What the second process's stairway found, for `SecondHalf.merge`."""

    results: list[RevisionResult]
    findings: list[Finding]
    history: list[tuple[str, Snapshot]]
    head: Snapshot
    types_before: dict[str, dict[str, str]]


class SecondHalf:
    """The revisions from `start` on, checked by a worker process started now."""

    def __init__(
        self,
        project: Project,
        server: Server,
        options: RunOptions,
        start: int,
    ) -> None:
        # What crosses to the worker must pickle: no progress callback, no reference (only
        # whether snapshots are kept for blaming it).
        sent = dataclasses.replace(options, on_revision=None, reference=None, settings=None)
        attach = (server.endpoint, server.describe(), f"{server.run_id}h")
        self.worker = Worker(
            _check_from,
            project.files,
            options.replay,
            attach,
            bootstrap.made_templates(server),
            sent,
            start,
            options.reference is not None,
        )

    def merge(self, stairway: Stairway, revisions: Revisions) -> None:
        """Fold the second half into `stairway`, which checked the first (waits for it)."""
        outcome: _Outcome = self.worker.result()
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
    attach: tuple[Endpoint, str, str],
    templates: dict[tuple[Any, ...], str],
    options: RunOptions,
    start: int,
    keep_history: bool,
) -> _Outcome:
    """In the worker: apply the revisions before `start`, check the rest."""
    project = load_files(files, replay.x_args, replay.url_env)
    with AttachedServer(*attach) as server:
        bootstrap.adopt_templates(server, templates)
        database = prepare_database(server, "run", replay, project)
        try:
            revisions = revisions_of(project, describe_revisions(project))
            checked = range(start, len(revisions.results))
            stairway = Stairway(project, options, revisions, checked, keep_history)
            run_program(project, connection_plan(project, server, database, replay), stairway)
        finally:
            server.drop_database(database)
    return _Outcome(
        revisions.results[start:],
        stairway.findings,
        stairway.history,
        stairway.head,
        stairway.types_before,
    )
