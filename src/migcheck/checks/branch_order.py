"""Branch order (MC4xx): does each merge give the same database whichever branch runs first?

Alembic applies the branches of a merge in an order of its choosing, and databases that
received the branches at different times (one developer's first, the other's later) saw
another order. For each pair of branches a merge joins, the database is brought to the
revisions both need (the branch point) and each branch is applied entirely before the other,
in both orders. A revision that fails in one order only, or two orders that end in different
schemas, means the branches are coupled through an object without saying so (depends_on
would fix the order): the finding names both revisions and that object. A revision failing
in both orders fails on its own; the replay reports it.

Copying a database (CREATE DATABASE ... TEMPLATE) per branch point and order cost more than
everything else here, so one database and one run of env.py serve the pairs, walked in merge
order: the database only moves forward (each branch point is upgraded and committed), and each
order runs as a trial inside a transaction of ours that is rolled back afterwards (sequences
are put back by hand, as in the round trip), its schema read from the branch point's tracked
snapshot. A pair whose branch point lacks a revision the database already holds (a long-lived
branch merged again) is walked on a fresh database. Branches that leave the transaction
(`autocommit_block`), or whose revisions need the one before committed (a new enum value
used), cannot be tried that way: each of their orders is replayed on a database of its own.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from alembic.runtime.migration import MigrationStep
from alembic.script import Script
from alembic.util import to_tuple

from migcheck.checks.roundtrip import rolled_back
from migcheck.checks.worker import Worker
from migcheck.diff.compare import DiffOptions, diff_snapshots
from migcheck.diff.difference import CHANGED, EXTRA, MISSING, Difference
from migcheck.model import Failure, Finding, Location, Severity, Status, StepResult
from migcheck.project import Project, ProjectFiles, load_files
from migcheck.replay import bootstrap
from migcheck.replay.runner import ReplayOptions, connection_plan, parents_of, prepare_database
from migcheck.replay.session import Director, run_program, uses_autocommit
from migcheck.rules import Rule, register
from migcheck.server.attached import AttachedServer
from migcheck.server.base import Endpoint, Server
from migcheck.snapshot import (
    PsycopgRunner,
    Snapshot,
    SnapshotOptions,
    as_runner,
    take_snapshot,
)
from migcheck.snapshot.tracked import TrackedSnapshot, advance, track

CHECK = "branch-order"

ORDER_FAILS = register(
    Rule(
        code="MC401",
        name="branch-order-fails",
        severity=Severity.ERROR,
        summary="A revision fails when the branches of a merge run in the other order",
        why=(
            "Alembic picks the order of merged branches, and databases that received them at "
            "different times saw different orders: one of those orders breaks this revision."
        ),
        bad="branch A inserts the parent color, branch B inserts its child; B can run first",
        good="B declares depends_on = A's revision, so every database runs A first",
        fix="declare the coupling: set depends_on in the failing revision to the revision it "
        "needs, or make it independent of the other branch",
    )
)
ORDER_CHANGES_SCHEMA = register(
    Rule(
        code="MC402",
        name="branch-order-changes-schema",
        severity=Severity.ERROR,
        summary="The branches of a merge give different schemas depending on their order",
        why=(
            "Databases that received the branches in different orders have silently diverged; "
            "later migrations and the application see different schemas."
        ),
        bad="both branches set the default of items.price: the last one to run wins",
        good="one revision depends_on the other, so the outcome is the same everywhere",
        fix="make the order explicit with depends_on, or stop both branches changing the object",
    )
)

# How PostgreSQL's messages name objects (only the message's own words are parsed).
_COLUMN_OF_RELATION = re.compile(r'column "([^"]+)" of relation "([^"]+)"')
_RELATION = re.compile(r'(?<!of )(?:relation|table) "([^"]+)"')
_COLUMN = re.compile(r'column "([^"]+)"(?! of relation)')


def check_branch_order(
    project: Project,
    server: Server,
    options: ReplayOptions,
    snapshot_options: SnapshotOptions | None = None,
    diff_options: DiffOptions | None = None,
) -> list[Finding]:
    """Findings for every merge whose branches are coupled without a declared order.

    `snapshot_options` / `diff_options` are the run's (excluded tables, ignore patterns).
    Rows and column order are not compared: two branches inserting into one table, or adding
    columns to it, legitimately differ there by order.
    """
    graph = _Graph(project)
    pairs = [
        pair
        for merge in project.ordered_revisions()
        if merge.is_merge_point
        for left, right in itertools.combinations(to_tuple(merge.down_revision), 2)
        if (pair := graph.pair(merge, left, right)) is not None
    ]
    if not pairs:
        return []
    snapshots = dataclasses.replace(snapshot_options or SnapshotOptions(), reference_tables=None)
    differences = dataclasses.replace(diff_options or DiffOptions(), column_order="ignore")
    _Orders(project, server, options, graph, snapshots).run(pairs)
    return [finding for pair in pairs for finding in _check_pair(project, pair, differences)]


def in_background(
    project: Project,
    server: Server,
    options: ReplayOptions,
    snapshot_options: SnapshotOptions | None = None,
    diff_options: DiffOptions | None = None,
) -> Worker | None:
    """check_branch_order in a worker process (checks/worker.py), started now; None when the
    history has no merge (nothing to check, no process)."""
    if not any(s.is_merge_point for s in project.ordered_revisions()):
        return None
    attach = (server.endpoint, server.describe(), f"{server.run_id}b")
    templates = bootstrap.made_templates(server)  # bootstrapped once per run, not per process
    return Worker(
        _in_worker, project.files, options, attach, templates, snapshot_options, diff_options
    )


def _in_worker(
    files: ProjectFiles,
    options: ReplayOptions,
    attach: tuple[Endpoint, str, str],
    templates: dict[tuple[Any, ...], str],
    snapshot_options: SnapshotOptions | None,
    diff_options: DiffOptions | None,
) -> list[Finding]:
    project = load_files(files, options.x_args, options.url_env)
    bootstrap.covered(project, options.bootstrap)
    with AttachedServer(*attach) as server:
        bootstrap.adopt_templates(server, templates)
        return check_branch_order(project, server, options, snapshot_options, diff_options)


@dataclass
class _Pair:
    """Two branches of a merge: what both need (the branch point), what each adds, and how
    each order went (None: a revision of the branch point fails on its own)."""

    merge: Script
    common: frozenset[str]
    left: list[Script]
    right: list[Script]
    outcomes: tuple[_Outcome, _Outcome] | None = None  # left first, right first

    @property
    def leaves_transaction(self) -> bool:
        return any(uses_autocommit(script) for script in self.left + self.right)


class _Graph:
    """Ancestry over down_revision and depends_on (both must run before a revision).

    A depends_on across the branches puts its target (and that target's ancestors) into
    the branch point, so only orders Alembic could really choose are tried.
    """

    def __init__(self, project: Project) -> None:
        self.order = project.ordered_revisions()
        self.ancestors: dict[str, frozenset[str]] = {}
        for script in self.order:  # parents come first, so theirs are known
            parents = parents_of(project, script)
            found = set(parents).union(*(self.ancestors[p] for p in parents))
            self.ancestors[script.revision] = frozenset(found)

    def pair(self, merge: Script, left: str, right: str) -> _Pair | None:
        if left not in self.ancestors or right not in self.ancestors:
            return None  # a parent is part of what a bootstrap stamps: not replayed
        left_side = self.ancestors[left] | {left}
        right_side = self.ancestors[right] | {right}
        common = left_side & right_side
        if left_side <= common or right_side <= common:
            return None  # one parent descends from the other: there is only one order
        return _Pair(
            merge, common, self.in_order(left_side - common), self.in_order(right_side - common)
        )

    def in_order(self, revisions: frozenset[str]) -> list[Script]:
        return [s for s in self.order if s.revision in revisions]


@dataclass
class _Outcome:
    """One order's run: each revision's step (absent: skipped after a failure) and schema."""

    steps: dict[str, StepResult]
    snapshot: Snapshot | None  # None unless every revision applied

    def failures(self) -> Iterator[tuple[str, Failure]]:
        for revision, step in self.steps.items():
            if step.failure is not None:
                yield revision, step.failure

    def applied(self, revision: str) -> bool:
        step = self.steps.get(revision)
        return step is not None and step.status is Status.OK


# PostgreSQL refusing, inside one transaction, what a commit after each revision would allow:
# a new enum value used (55P04), a table altered with deferred checks pending (55006).
_NEEDS_COMMIT = frozenset({"55P04", "55006"})


class _Orders:
    """Runs both orders of each pair and records them in `pair.outcomes` (module docstring)."""

    def __init__(
        self,
        project: Project,
        server: Server,
        options: ReplayOptions,
        graph: _Graph,
        snapshots: SnapshotOptions,
    ) -> None:
        self.project = project
        self.server = server
        self.options = options
        self.graph = graph
        self.snapshots = snapshots
        self.apart: list[_Pair] = []  # pairs whose orders need databases of their own

    def run(self, pairs: list[_Pair]) -> None:
        self.apart = [pair for pair in pairs if pair.leaves_transaction]
        pending = [pair for pair in pairs if not pair.leaves_transaction]
        while pending:  # each walk tries at least its first pair
            pending = self._walk(pending)
        for pair in self.apart:
            pair.outcomes = self._replay_apart(pair)

    def _walk(self, pairs: list[_Pair]) -> list[_Pair]:
        """Try the pairs on one fresh database; return those whose branch point lacks a
        revision the database holds by then (they need another walk)."""
        deferred: list[_Pair] = []

        def program(director: Director) -> Iterator[MigrationStep]:
            applied: set[str] = set()
            failed: set[str] = set()
            point: TrackedSnapshot | None = None
            for pair in pairs:
                if not applied <= pair.common:
                    deferred.append(pair)
                    continue
                retrack = False
                for script in self._runnable(self.graph.in_order(pair.common - applied), failed):
                    yield director.step(script, "upgrade")
                    assert director.last is not None
                    if director.last.status is Status.OK:
                        applied.add(script.revision)
                        # as the stairway does: a step that committed on its own is read anew
                        retrack = retrack or uses_autocommit(script)
                    else:
                        failed.add(script.revision)
                if pair.common & failed:
                    continue
                with director.paused():
                    runner = as_runner(director.connection)
                    if point is None or retrack:
                        point = track(runner, self.snapshots)
                    else:
                        point = advance(runner, point, self.snapshots)
                outcomes = (
                    self._trial(director, pair.left + pair.right, point),
                    self._trial(director, pair.right + pair.left, point),
                )
                if any(_needs_commit(outcome) for outcome in outcomes):
                    self.apart.append(pair)
                else:
                    pair.outcomes = outcomes

        with self._database() as database:
            plan = connection_plan(self.project, self.server, database, self.options)
            run_program(self.project, plan, program)
        return deferred

    def _trial(self, director: Director, order: list[Script], point: TrackedSnapshot) -> _Outcome:
        """Upgrade `order` on the branch point inside a transaction of ours, read the schema
        it gives, and roll everything back (sequences too)."""
        conn = director.connection
        with rolled_back(conn):
            steps: dict[str, StepResult] = {}
            failed: set[str] = set()
            with director.separate_invocation():  # as a deploy running this order would
                for script in self._runnable(order, failed):
                    step = StepResult(direction="upgrade", status=Status.OK)
                    steps[script.revision] = director.call(
                        script, "upgrade", script.module.upgrade, step
                    )
                    if step.status is Status.FAILED:
                        failed.add(script.revision)
            if failed:
                return _Outcome(steps, None)
            with director.paused():
                return _Outcome(steps, advance(as_runner(conn), point, self.snapshots).snapshot)

    def _replay_apart(self, pair: _Pair) -> tuple[_Outcome, _Outcome] | None:
        """Each order replayed from base on a database of its own, committed revision by
        revision; None when the branch point fails."""
        common = self.graph.in_order(pair.common)
        outcomes = []
        for order in (pair.left + pair.right, pair.right + pair.left):
            with self._database() as database:
                steps = self._upgrade(database, common + order)
                before = [steps.pop(script.revision, None) for script in common]
                if not all(step is not None and step.status is Status.OK for step in before):
                    return None
                snapshot = None
                if len(steps) == len(order) and all(s.status is Status.OK for s in steps.values()):
                    with psycopg.connect(self.server.conninfo(database)) as connection:
                        snapshot = take_snapshot(PsycopgRunner(connection), self.snapshots)
                outcomes.append(_Outcome(steps, snapshot))
        return outcomes[0], outcomes[1]

    def _upgrade(self, database: str, order: list[Script]) -> dict[str, StepResult]:
        """Upgrade `order` in exactly that order, skipping revisions whose parent failed."""
        steps: dict[str, StepResult] = {}

        def program(director: Director) -> Iterator[MigrationStep]:
            failed: set[str] = set()
            for script in self._runnable(order, failed):
                yield director.step(script, "upgrade")
                assert director.last is not None
                steps[script.revision] = director.last
                if director.last.status is Status.FAILED:
                    failed.add(script.revision)

        plan = connection_plan(self.project, self.server, database, self.options)
        run_program(self.project, plan, program)
        return steps

    def _runnable(self, order: list[Script], failed: set[str]) -> Iterator[Script]:
        """The scripts of `order` whose parents have not failed (checked as the caller adds
        its own failures); the others are added to `failed` and skipped."""
        for script in order:
            if script.revision in failed or parents_of(self.project, script) & failed:
                failed.add(script.revision)
            else:
                yield script

    @contextmanager
    def _database(self) -> Iterator[str]:
        """A fresh database, dropped however the block ends."""
        database = prepare_database(self.server, "order", self.options, self.project)
        try:
            yield database
        finally:
            self.server.drop_database(database)


def _needs_commit(outcome: _Outcome) -> bool:
    return any(failure.sqlstate in _NEEDS_COMMIT for _, failure in outcome.failures())


def _check_pair(project: Project, pair: _Pair, differences: DiffOptions) -> list[Finding]:
    if pair.outcomes is None:
        return []  # a revision before the branch point fails on its own
    left_first, right_first = pair.outcomes
    findings = [
        _order_failure(project, pair, revision, failure, first, outcome)
        for first, outcome, other in (
            (pair.left, left_first, right_first),
            (pair.right, right_first, left_first),
        )
        for revision, failure in outcome.failures()
        if other.applied(revision)
    ]
    if findings or left_first.snapshot is None or right_first.snapshot is None:
        return findings
    return [
        _schema_difference(project, pair, difference, left_first)
        for difference in diff_snapshots(left_first.snapshot, right_first.snapshot, differences)
    ]


def _order_failure(
    project: Project,
    pair: _Pair,
    revision: str,
    failure: Failure,
    first_branch: list[Script],
    outcome: _Outcome,
) -> Finding:
    """`revision` fails in this order only: name the other branch's revision it collides with.

    Run before the other branch, it needs something that branch provides (its first revision
    naming the object); run after it, that branch changed something it relies on (its last).
    """
    ran_first = any(s.revision == revision for s in first_branch)
    other = pair.left if any(s.revision == revision for s in pair.right) else pair.right
    objects = _failure_objects(failure)
    partner, _, subject = _naming(other, objects, outcome, last=not ran_first)
    both, hint = "", ORDER_FAILS.fix
    if partner is not None:
        first, then = (partner.revision, revision) if ran_first else (revision, partner.revision)
        both = f"both use {subject}; "
        hint = f'set depends_on = "{first}" in {then}, so that every database runs {first} first'
    else:
        partner = other[0] if ran_first else other[-1]
    when = "before" if ran_first else "after"
    path = failure.path or project.revision_path(project.script.get_revision(revision))
    return Finding(
        code=ORDER_FAILS.code,
        severity=ORDER_FAILS.severity,
        message=(
            f"{revision} fails when it runs {when} {partner.revision} ({both}merge "
            f"{pair.merge.revision} allows either order): {failure.summary}"
        ),
        location=Location(path=path, line=failure.line, revision=revision),
        hint=hint,
        check=CHECK,
        subject=subject or f"revision {partner.revision}",
        sql=failure.statement,
        details={
            "merge": pair.merge.revision,
            "other_revision": partner.revision,
            "runs": when,
            "failure": failure.kind.value,
        },
    )


def _schema_difference(
    project: Project, pair: _Pair, difference: Difference, outcome: _Outcome
) -> Finding:
    """The orders differ on one object: name the last revision of each branch naming it."""
    name = [(difference.subject, _sql_name(difference))]
    left, left_line, _ = _naming(pair.left, name, outcome, last=True)
    right, right_line, _ = _naming(pair.right, name, outcome, last=True)
    left, right = left or pair.left[-1], right or pair.right[-1]
    a, b = f"{left.revision} runs first", f"{right.revision} runs first"
    if difference.kind == MISSING:
        text = f"{difference.subject} exists only when {a}"
    elif difference.kind == EXTRA:
        text = f"{difference.subject} exists only when {b}"
    else:
        text = difference.describe(reference=f"when {a}", actual=f"when {b}")
    subject = difference.subject
    if difference.kind == CHANGED:
        subject = f"{subject} {difference.attribute}"
    # Point at whichever of the two Alembic runs last: depends_on there pins today's order.
    order = [s.revision for s in project.ordered_revisions()]
    (earlier, _), (later, line) = (left, left_line), (right, right_line)
    if order.index(left.revision) > order.index(right.revision):
        (earlier, _), (later, line) = (right, right_line), (left, left_line)
    return Finding(
        code=ORDER_CHANGES_SCHEMA.code,
        severity=ORDER_CHANGES_SCHEMA.severity,
        message=(
            f"merge {pair.merge.revision}: the order of {left.revision} and {right.revision} "
            f"changes the schema: {text}"
        ),
        location=Location(path=project.revision_path(later), line=line, revision=later.revision),
        hint=(
            f'set depends_on = "{earlier.revision}" in {later.revision} to keep the order '
            "Alembic uses today, or stop both branches changing the object"
        ),
        check=CHECK,
        subject=subject,
        details={
            "merge": pair.merge.revision,
            "revisions": [left.revision, right.revision],
            "difference": difference.to_dict(),
        },
    )


def _failure_objects(failure: Failure) -> list[tuple[str, str]]:
    """(subject, name revisions' SQL would use) for each object the diagnostics name."""
    found = []
    if failure.table:
        found.append(
            (f"table {'.'.join(filter(None, (failure.schema, failure.table)))}", failure.table)
        )
    for text in (failure.message, failure.detail or ""):
        for column, table in _COLUMN_OF_RELATION.findall(text):
            found.append((f"column {table}.{column}", table))
        for table in _RELATION.findall(text):
            found.append((f"table {table}", table))
        for column in _COLUMN.findall(text):
            found.append((f"column {column}", column))
    return list(dict.fromkeys(found))


def _sql_name(difference: Difference) -> str:
    """The name revisions' SQL uses for the object: its table's, for what hangs off a table."""
    parts = difference.name.split(".")
    if difference.object_kind in ("column", "constraint", "trigger", "policy") and len(parts) > 2:
        return parts[-2]
    return parts[-1]


def _naming(
    branch: list[Script], objects: list[tuple[str, str]], outcome: _Outcome, last: bool
) -> tuple[Script | None, int | None, str]:
    """The first (or last) revision of `branch` whose SQL names one of `objects`, the line
    of that statement and the object's subject; the first object's subject if none does."""
    for subject, name in objects:
        pattern = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])", re.IGNORECASE)
        for script in reversed(branch) if last else branch:
            step = outcome.steps.get(script.revision)
            hits = [s for s in step.statements if pattern.search(s.sql)] if step else []
            if hits:
                return script, hits[-1 if last else 0].line, subject
    return None, None, objects[0][0] if objects else ""
