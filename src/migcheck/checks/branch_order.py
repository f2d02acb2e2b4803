"""Branch order (MC4xx): does each merge give the same database whichever branch runs first?

Alembic applies the branches of a merge in an order of its choosing, and databases that
received the branches at different times (one developer's first, the other's later) saw
another order. For each pair of branches a merge joins, the revisions both need are replayed
once (the branch point), that database is forked twice with CREATE DATABASE ... TEMPLATE, and
each fork applies one branch entirely before the other. A revision that fails in one order
only, or two orders that end in different schemas, means the branches are coupled through an
object without saying so (depends_on would fix the order): the finding names both revisions
and that object. A revision failing in both orders fails on its own; the replay reports it.

Databases at a set of applied revisions are kept and forked again, so a later merge starts
from the nearest earlier state instead of replaying from base; a linear history costs nothing.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
from alembic.runtime.migration import MigrationStep
from alembic.script import Script
from alembic.util import to_tuple

from migcheck.diff.compare import DiffOptions, diff_snapshots
from migcheck.diff.difference import CHANGED, EXTRA, MISSING, Difference
from migcheck.model import Failure, Finding, Location, Severity, Status, StepResult
from migcheck.project import Project
from migcheck.replay.runner import (
    ReplayOptions,
    connection_plan,
    fork_database,
    parents_of,
    prepare_database,
)
from migcheck.replay.session import Director, run_program
from migcheck.rules import Rule, register
from migcheck.server.base import Server
from migcheck.snapshot import PsycopgRunner, Snapshot, SnapshotOptions, take_snapshot

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
    merges = [s for s in project.ordered_revisions() if s.is_merge_point]
    if not merges:
        return []
    snapshots = dataclasses.replace(snapshot_options or SnapshotOptions(), reference_tables=None)
    differences = dataclasses.replace(diff_options or DiffOptions(), column_order="ignore")
    graph = _Graph(project)
    findings: list[Finding] = []
    with _States(project, server, options, graph) as states:
        for merge in merges:
            for left, right in itertools.combinations(to_tuple(merge.down_revision), 2):
                pair = graph.pair(merge, left, right)
                if pair is not None:
                    findings.extend(_check_pair(project, pair, states, snapshots, differences))
            states.prune()
    return findings


@dataclass
class _Pair:
    """Two branches of a merge: what both need (the branch point) and what each adds."""

    merge: Script
    common: frozenset[str]
    left: list[Script]
    right: list[Script]


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


def _check_pair(
    project: Project,
    pair: _Pair,
    states: _States,
    snapshots: SnapshotOptions,
    differences: DiffOptions,
) -> list[Finding]:
    start = states.at(pair.common)
    if start is None:
        return []  # a revision before the branch point fails on its own
    everything = pair.common | {s.revision for s in pair.left + pair.right}
    left_first = states.run(start, pair.left + pair.right, snapshots, keep=everything)
    right_first = states.run(start, pair.right + pair.left, snapshots, keep=None)
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


class _States:
    """Databases holding known sets of applied revisions; each new one forks the nearest.

    Between merges, a state that another contains is dropped: later merges fork the newest,
    and the run holds a few databases, not two per merge.
    """

    def __init__(
        self, project: Project, server: Server, options: ReplayOptions, graph: _Graph
    ) -> None:
        self.project = project
        self.server = server
        self.options = options
        self.graph = graph
        self.saved: list[tuple[frozenset[str], str]] = []
        self.count = 0

    def __enter__(self) -> _States:
        return self

    def __exit__(self, *exc: object) -> None:
        for _, database in self.saved:
            self.server.drop_database(database)
        self.saved.clear()

    def at(self, applied: frozenset[str]) -> str | None:
        """A database with exactly `applied` upgraded (None if one of them fails)."""
        known = [state for state in self.saved if state[0] <= applied]
        base, template = max(known, key=lambda state: len(state[0]), default=(frozenset(), None))
        if template is not None and base == applied:
            return template
        database = self._fork(template)
        steps = self._apply(database, self.graph.in_order(applied - base))
        if not all(step.status is Status.OK for step in steps.values()):
            self.server.drop_database(database)
            return None
        self.saved.append((applied, database))
        return database

    def run(
        self,
        start: str,
        order: list[Script],
        snapshots: SnapshotOptions,
        keep: frozenset[str] | None,
    ) -> _Outcome:
        """Fork `start` and apply `order`; snapshot and keep (as `keep`) the fork if it is clean.

        keep=None: drop it (the other order already gives that state).
        """
        database = self._fork(start)
        steps = self._apply(database, order)
        clean = len(steps) == len(order) and all(s.status is Status.OK for s in steps.values())
        snapshot = None
        if clean:
            with psycopg.connect(self.server.conninfo(database)) as connection:
                snapshot = take_snapshot(PsycopgRunner(connection), snapshots)
        if clean and keep is not None:
            self.saved.append((keep, database))
        else:
            self.server.drop_database(database)
        return _Outcome(steps, snapshot)

    def _apply(self, database: str, order: list[Script]) -> dict[str, StepResult]:
        """Upgrade `order` in exactly that order, skipping revisions whose parent failed."""
        steps: dict[str, StepResult] = {}
        if not order:
            return steps

        def program(director: Director) -> Iterator[MigrationStep]:
            failed: set[str] = set()
            for script in order:
                if parents_of(self.project, script) & failed:
                    failed.add(script.revision)
                    continue
                yield director.step(script, "upgrade")
                assert director.last is not None
                steps[script.revision] = director.last
                if director.last.status is Status.FAILED:
                    failed.add(script.revision)

        plan = connection_plan(self.project, self.server, database, self.options)
        run_program(self.project, plan, program)
        return steps

    def prune(self) -> None:
        """Drop states that a kept state contains (called between merges: the pairs of one
        merge share their branch point)."""
        for state in list(self.saved):
            if any(state[0] < other[0] for other in self.saved):
                self.server.drop_database(state[1])
                self.saved.remove(state)

    def _fork(self, template: str | None) -> str:
        self.count += 1
        name = f"order_{self.count}"
        if template is None:
            return prepare_database(self.server, name, self.options, self.project)
        return fork_database(self.server, name, template)
