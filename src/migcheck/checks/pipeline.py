"""`run_checks`: every check of `migcheck run` from one execution of env.py.

The stairway program drives the replay one revision at a time. For each revision:

    upgrade (an Alembic step)            -> snapshot A (the "before" of the next revision)
    parent lookups that found nothing    (queries on the upgraded database)
    downgrade, snapshot, upgrade again,  (contained: rolled back to A afterwards;
      snapshot, each compared              see roundtrip.py)
    upgrade once more on A               (data migrations only; rolled back; see data.py)

so a revision costs three snapshots (four for a data migration), each re-reading only what
changed since the one before (snapshot/tracked.py), and nothing is ever replayed from base
twice. A failed upgrade is rolled back by the engine and its descendants are
skipped; a failed downgrade is a finding and the stairway goes on. At the head, the models
are compared with the database. The per-revision snapshots double as the history that blames
reference differences. Branch order needs a database of its own: it walks it forward once,
trying each merge's orders in rolled-back transactions (branch_order.py).

Tenants (`[tool.migcheck] tenants`, see tenants.py): the stairway runs once per tenant, one
tenant after the other in ONE database, as production migrates them; each run passes the
tenant's `-x` argument and its findings name the tenant. `result.revisions` holds the first
tenant's revision results and `result.extras["tenants"][tenant]` every tenant's (JSON form);
an upgrade failing only for a later tenant becomes a finding naming it (MC001).
What does not depend on the database state the tenants share runs for the first tenant only
(its findings name it): the reference comparison (a reference is one tenant's dump, taken on
an empty database, which is what the first tenant's head is), branch order (on databases of
its own, where every tenant would replay the same thing) and the lint of executed SQL (the
same statements for every tenant but for the schema).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from alembic.runtime.migration import MigrationStep
from alembic.script import Script, ScriptDirectory

from migcheck import selection
from migcheck.checks import branch_order, drift, graph
from migcheck.checks.data import (
    Revisions,
    declared_inserts,
    did_nothing,
    explain_fk_violation,
    null_lookups,
    rerun,
    skipped_rows,
)
from migcheck.checks.roundtrip import irreversible_by_config, round_trip
from migcheck.checks.tenants import for_tenant, tag, tenant_failures, tenant_variants
from migcheck.checks.worker import Worker
from migcheck.config import Settings
from migcheck.diff.blame import blame
from migcheck.diff.compare import DiffOptions, diff_snapshots
from migcheck.diff.difference import MISSING, Difference
from migcheck.errors import InputError
from migcheck.lint import LintContext, lint_statements
from migcheck.model import (
    Finding,
    Location,
    RevisionResult,
    RunResult,
    Severity,
    Status,
)
from migcheck.project import Project, locate_project, make_config, project_import_path
from migcheck.replay.runner import (
    ReplayOptions,
    connection_plan,
    describe_revisions,
    explain_failure,
    parents_of,
    prepare_database,
)
from migcheck.replay.session import Director, run_program, uses_autocommit
from migcheck.result import new_result, timed
from migcheck.rules import RULES
from migcheck.server.base import Server
from migcheck.snapshot import ALL_TABLES, Snapshot, SnapshotOptions, as_runner
from migcheck.snapshot.changes import written_tables
from migcheck.snapshot.tracked import TrackedSnapshot, advance, track

# Which code range each check produces; a check whose codes are all deselected does not run.
CHECK_CODES = {
    "graph": ("MC1",),
    "roundtrip": ("MC2",),
    "data": ("MC3",),
    "branch-order": ("MC4",),
    "models": ("MC5",),
    "reference": ("MC6", "MC303"),
    "lint": ("MC7", "MC8", "MC9"),
}


@dataclass
class RunOptions:
    """Everything `migcheck run` can be told, flags and [tool.migcheck] merged."""

    replay: ReplayOptions = field(default_factory=ReplayOptions)
    reference: Snapshot | None = None  # loaded by the caller (file, URL or archive)
    settings: Settings | None = None  # select / ignore / severity; None: every finding as is
    checks: frozenset[str] = frozenset(CHECK_CODES)
    allow_multiple_heads: bool = False
    irreversible: frozenset[str] = frozenset()
    snapshot: SnapshotOptions = field(
        default_factory=lambda: SnapshotOptions(reference_tables=ALL_TABLES)
    )
    diff: DiffOptions = field(default_factory=DiffOptions)
    # Told "<revision> <message>" as each revision starts (the terminal's progress bar).
    on_revision: Callable[[str], None] | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, replay: ReplayOptions, reference: Snapshot | None = None
    ) -> RunOptions:
        irreversible = settings.get("irreversible", [])
        if not isinstance(irreversible, list):
            irreversible = [irreversible]
        chosen = selection.Selection.from_settings(settings)
        return cls(
            replay=replay,
            reference=reference,
            settings=settings,
            checks=frozenset(name for name in CHECK_CODES if _wanted(chosen, name)),
            allow_multiple_heads=bool(settings.get("allow_multiple_heads", False)),
            irreversible=frozenset(str(r) for r in irreversible),
        )


def _wanted(chosen: selection.Selection, check: str) -> bool:
    """Whether the selection keeps any registered code of the check."""
    prefixes = CHECK_CODES[check]
    return any(
        chosen.allows(Finding(code=code, severity=rule.severity, message=""))
        for code, rule in RULES.items()
        if code.startswith(prefixes)
    )


def run_checks(project: Project, server: Server, options: RunOptions) -> RunResult:
    """Replay the history once (per tenant) with every selected check; findings in revision
    order."""
    result = new_result("run", project, server)
    with timed(result):
        with project.loading():  # revision files may import the application
            nodes = graph.read_nodes(project.script, project.files.relative)
        report = graph.check_graph(nodes, options.allow_multiple_heads)
        result.extras["graph"] = {"heads": report.heads, "merge_points": report.merge_points}
        findings = list(report.findings) if "graph" in options.checks else []
        if not report.broken:
            findings += _replayed_checks(project, server, options, result)
        findings = selection.prepare(findings, options.settings) if options.settings else findings
        result.findings = _in_revision_order(findings, result.revisions)
    return result


def unloadable(path: str, options: RunOptions, error: InputError) -> RunResult:
    """A result for a history Alembic cannot load, when graph defects explain why.

    Cycles and missing down_revisions stop Alembic's revision map; the files themselves still
    load, so the graph check can name each defect with its file and line. Anything else (a
    syntax error, an import error) stays the one-line input error it was.
    """
    files = locate_project(path)
    try:
        with project_import_path(files):
            script = ScriptDirectory.from_config(make_config(files, options.replay.x_args))
            nodes = graph.read_nodes(script, files.relative)
    except Exception:
        raise error from None
    report = graph.check_graph(nodes, options.allow_multiple_heads)
    if not report.broken:
        raise error
    result = new_result("run", files, heads=report.heads)
    result.extras["graph"] = {"heads": report.heads, "merge_points": report.merge_points}
    findings = report.findings
    result.findings = (
        selection.prepare(findings, options.settings) if options.settings else findings
    )
    return result


@dataclass
class _TenantRun:
    """One tenant's stairway (tenant None: no tenants configured)."""

    tenant: str | None
    project: Project  # as `alembic -x <tenant>` loads it
    replay: ReplayOptions
    revisions: Revisions
    stairway: Stairway


def _replayed_checks(
    project: Project, server: Server, options: RunOptions, result: RunResult
) -> list[Finding]:
    variants = (
        tenant_variants(options.settings, options.replay, project.files.env_py)
        if options.settings is not None
        else [(None, options.replay)]
    )
    runs: list[_TenantRun] = []
    findings: list[Finding] = []
    # One database for every tenant: production migrates them one after the other in one
    # database, and what one tenant's revisions leave behind is the next tenant's start.
    database = prepare_database(server, "run", options.replay, project)
    branches = _branch_order_in_background(project, server, options, variants[0])
    try:
        for tenant, replay in variants:
            run_as = project if tenant is None else for_tenant(project, replay)
            revisions = _revisions(run_as, describe_revisions(run_as))
            stairway = Stairway(run_as, options, revisions)
            plan = connection_plan(run_as, server, database, replay)
            run_program(run_as, plan, stairway)
            runs.append(_TenantRun(tenant, run_as, replay, revisions, stairway))
            findings += tag(_stairway_findings(options, revisions, stairway), tenant)
            if tenant is not None and len(runs) > 1:
                first = (str(runs[0].tenant), runs[0].revisions.results)
                findings += tenant_failures(first, revisions.results, tenant)
        order_findings = branches.result() if branches is not None else []
    except BaseException:
        if branches is not None:
            branches.cancel()
        raise
    finally:
        server.drop_database(database)
    first = runs[0]
    result.revisions = first.revisions.results
    if first.tenant is not None:
        result.extras["tenants"] = {
            run.tenant: [r.to_dict() for r in run.revisions.results] for run in runs
        }
    first_findings = order_findings + _first_tenant_checks(first, options, result)
    return findings + tag(first_findings, first.tenant)


def _branch_order_in_background(
    project: Project, server: Server, options: RunOptions, first: tuple[str | None, ReplayOptions]
) -> Worker | None:
    """Branch order for the first tenant (see the module docstring), started in a worker
    process so that it runs beside the stairways; None when not selected or no merge."""
    if "branch-order" not in options.checks:
        return None
    tenant, replay = first
    run_as = project if tenant is None else for_tenant(project, replay)
    return branch_order.in_background(run_as, server, replay, options.snapshot, options.diff)


def _stairway_findings(
    options: RunOptions, revisions: Revisions, stairway: Stairway
) -> list[Finding]:
    """The stairway's findings, and data migrations that did nothing (without a reference:
    a reference names the rows they should have inserted, MC303 instead)."""
    findings = list(stairway.findings)
    if "data" in options.checks and options.reference is None:
        for revision in revisions.results:
            findings += did_nothing(revision, revisions.declared.get(revision.revision, ()))
    return findings


def _first_tenant_checks(run: _TenantRun, options: RunOptions, result: RunResult) -> list[Finding]:
    """Checks that do not depend on what other tenants left in the database (see the module
    docstring): the reference and the lint of the executed SQL (branch order: see
    _branch_order_in_background)."""
    findings: list[Finding] = []
    results = run.revisions.results
    if options.reference is not None:
        if all(r.status is Status.OK for r in results):
            findings += _reference_findings(run.project, options, run.stairway, run.revisions)
        else:  # a partial head differs from any reference everywhere: noise, not findings
            result.extras["reference"] = "not compared: not every revision applied"
    if "lint" in options.checks:
        findings += _lint_replayed(run.project, options, results, run.stairway.types_before)
    return findings


def _revisions(project: Project, results: list[RevisionResult]) -> Revisions:
    by_id = {s.revision: s for s in project.ordered_revisions()}
    ancestors: dict[str, frozenset[str]] = {}
    for script in by_id.values():  # parents come first in upgrade order
        parents = parents_of(project, script)
        ancestors[script.revision] = frozenset(
            parents.union(*(ancestors.get(p, frozenset()) for p in parents))
        )
    declared = {r.revision: declared_inserts(Path(by_id[r.revision].path), r.path) for r in results}
    return Revisions(results=results, declared=declared, ancestors=ancestors)


class Stairway:
    """The program env.py runs: see the module docstring. Collects findings and snapshots."""

    def __init__(self, project: Project, options: RunOptions, revisions: Revisions) -> None:
        self.project = project
        self.options = options
        self.revisions = revisions
        self.findings: list[Finding] = []
        # (revision, snapshot after it): what blames reference differences, so only kept
        # when there is a reference (it holds a snapshot per revision).
        self.keep_history = options.reference is not None
        self.history: list[tuple[str, Snapshot]] = []
        self.head = Snapshot()
        # Column types (`schema.table.column` -> type) before each revision that changed one.
        self.types_before: dict[str, dict[str, str]] = {}

    def __call__(self, director: Director) -> Iterator[MigrationStep]:
        self.options = _without_version_table(self.options, director)
        checks = self.options.checks
        by_id = {r.revision: r for r in self.revisions.results}
        blocked: dict[str, str] = {}
        written: set[str] = set()
        director.on_applied = lambda conn: written.update(written_tables(as_runner(conn)))
        before = self._track(director)
        for script in self.project.ordered_revisions():
            revision = by_id[script.revision]
            parents = sorted(parents_of(self.project, script))  # sorted: stable reasons
            cause = next((blocked[p] for p in parents if p in blocked), None)
            if cause is not None:
                blocked[script.revision] = cause
                revision.status, revision.skipped_because = Status.SKIPPED, cause
                continue
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
        if "models" in checks and not blocked:
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
        trip = round_trip(director, script, revision, before, after.snapshot, snap)
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


def _reference_findings(
    project: Project, options: RunOptions, stairway: Stairway, revisions: Revisions
) -> list[Finding]:
    """Reference differences (MC6xx) blamed on revisions; missing rows that a skipped insert
    explains become MC303 instead."""
    assert options.reference is not None
    differences = diff_snapshots(options.reference, stairway.head, stairway.options.diff)
    sources = [(s.revision, project.revision_path(s)) for s in project.ordered_revisions()]
    blame(differences, stairway.history, sources)
    findings: list[Finding] = []
    missing_rows = [d for d in differences if d.object_kind == "row" and d.kind == MISSING]
    if "data" in options.checks:
        skipped, unexplained = skipped_rows(missing_rows, options.reference, revisions)
        findings += skipped
        explained = {id(d) for d in missing_rows} - {id(d) for d in unexplained}
        differences = [d for d in differences if id(d) not in explained]
    paths = {r.revision: r.path for r in revisions.results}
    findings += [_difference_finding(d, paths) for d in differences]
    return findings


def _difference_finding(d: Difference, paths: dict[str, str]) -> Finding:
    rule = RULES[d.code]
    blamed = f" ({d.blame})" if d.blame else ""
    return Finding(
        code=d.code,
        severity=d.severity if d.severity is Severity.INFO else rule.severity,
        message=d.describe() + blamed,
        location=Location(path=paths.get(d.revision or ""), line=d.line, revision=d.revision),
        hint=rule.fix,
        check="reference",
        subject=_subject(d),
        details={"blame": d.blame},
    )


def _subject(d: Difference) -> str:
    return f"{d.subject} {d.attribute}" if d.attribute else d.subject


def _lint_replayed(
    project: Project,
    options: RunOptions,
    results: list[RevisionResult],
    types_before: dict[str, dict[str, str]],
) -> list[Finding]:
    """Lint rules over the SQL each upgrade executed (dynamic SQL included), knowing the
    column types each revision started from (a type change to the same type is no rewrite)."""
    settings = options.settings
    context = LintContext.for_project(project.files, settings) if settings else LintContext()
    paths = {s.revision: Path(s.path) for s in project.ordered_revisions()}
    findings = []
    for revision in results:
        step = revision.upgrade
        if step is None:
            continue
        statements = [(s.sql, s.line) for s in step.statements if not s.failed]
        findings += lint_statements(
            statements,
            revision.revision,
            revision.path,
            context=context,
            source=paths[revision.revision],
            column_types=types_before.get(revision.revision),
        )
    return findings


def _in_revision_order(findings: list[Finding], results: list[RevisionResult]) -> list[Finding]:
    """History-wide findings first, then revision by revision in upgrade order, by line."""
    order = {r.revision: i for i, r in enumerate(results)}

    def key(f: Finding) -> tuple[int, int, str]:
        rank = order.get(f.location.revision or "", -1) if f.location.revision else -1
        return (rank, f.location.line or 0, f.code)

    return sorted(findings, key=key)
