"""`run_checks`: every check of `migcheck run` from one execution of env.py.

The stairway (stairway.py) drives the replay one revision at a time: upgrade, round trip,
data migration checks, each revision on what the ones before it left, and at the head the
models. A long history's stairway is shared by two processes (halves.py). Branch order needs
a database of its own: it walks it forward once, trying each merge's orders in rolled-back
transactions (branch_order.py), in a worker process beside the stairway.

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

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory

from migcheck import selection
from migcheck.checks import branch_order, graph
from migcheck.checks.data import Revisions, did_nothing, skipped_rows
from migcheck.checks.halves import Handover, SecondHalf, worth_splitting
from migcheck.checks.stairway import Stairway, revisions_of
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
    prepare_database,
)
from migcheck.replay.session import run_program
from migcheck.result import new_result, timed
from migcheck.rules import RULES
from migcheck.server.base import Server
from migcheck.snapshot import ALL_TABLES, Snapshot, SnapshotOptions

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
    # Where a second process takes over the stairway (halves.py): None, where the two
    # processes agree while they run (on long histories); 0, never; else that position.
    split_at: int | None = None
    # The second process, when the caller started it before the server (start_second_half).
    second_half: SecondHalf | None = None

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
    branches: Worker | None = None
    second: SecondHalf | None = None
    database: str | None = None
    try:
        second = options.second_half or start_second_half(project, options)
        if second is not None:
            second.attach(server, options.reference is not None)
        # One database for every tenant: production migrates them one after the other in
        # one database, and what one tenant's revisions leave behind is the next's start.
        database = prepare_database(server, "run", options.replay, project)
        if options.replay.bootstrap is not None:  # it copies the template just bootstrapped
            second = _second_half(project, options)
            if second is not None:
                second.attach(server, options.reference is not None)
        branches = _branch_order_in_background(project, server, options, variants[0])
        for tenant, replay in variants:
            run_as = project if tenant is None else for_tenant(project, replay)
            revisions = revisions_of(run_as, describe_revisions(run_as))
            stairway = Stairway(run_as, options, revisions)
            if second is not None:
                stairway.part = second.handover.first
            plan = connection_plan(run_as, server, database, replay)
            run_program(run_as, plan, stairway)
            if second is not None:
                start = second.handover.close()
                if start is not None:
                    taken = revisions.results[start].revision
                    result.extras["second_process_from"] = taken
                    if options.on_revision is not None:  # the progress bar waits on it now
                        options.on_revision(f"{taken} and after, in a second process")
                second.merge(stairway, revisions)
            runs.append(_TenantRun(tenant, run_as, replay, revisions, stairway))
            findings += tag(_stairway_findings(options, revisions, stairway), tenant)
            if tenant is not None and len(runs) > 1:
                first = (str(runs[0].tenant), runs[0].revisions.results)
                findings += tenant_failures(first, revisions.results, tenant)
        order_findings = branches.result() if branches is not None else []
    except BaseException:
        for worker in (branches, second):
            if worker is not None:
                worker.cancel()
        raise
    finally:
        if database is not None:
            server.drop_database(database)
    first = runs[0]
    result.revisions = first.revisions.results
    if first.tenant is not None:
        result.extras["tenants"] = {
            run.tenant: [r.to_dict() for r in run.revisions.results] for run in runs
        }
    first_findings = order_findings + _first_tenant_checks(first, options, result)
    return findings + tag(first_findings, first.tenant)


def start_second_half(project: Project, options: RunOptions) -> SecondHalf | None:
    """The second process sharing the stairway (halves.py), started now, before the server
    is up (`SecondHalf.attach` tells it later); None when the run takes one process. Not
    yet with a bootstrap: how many revisions it covers (not replayed) is known once its
    template is made, and the second process is started then. Never with tenants: they
    share one database one after the other, so their stairways are not split."""
    if options.replay.bootstrap is not None:
        return None
    return _second_half(project, options)


def _second_half(project: Project, options: RunOptions) -> SecondHalf | None:
    tenants = options.settings is not None and options.settings.get("tenants")
    if tenants or not {"roundtrip", "data", "models"} & options.checks:
        return None
    count = len(project.ordered_revisions())
    if options.split_at is None:
        handover = Handover(count) if worth_splitting(count) else None
    elif 0 < options.split_at < count:
        handover = Handover(count, options.split_at)
    else:
        handover = None
    return None if handover is None else SecondHalf(project, options, handover)


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
    """History-wide findings first, then revision by revision in upgrade order, by line;
    ties by code and subject, so that the order never depends on a process's set order
    (autogenerate's, or which process checked a revision)."""
    order = {r.revision: i for i, r in enumerate(results)}

    def key(f: Finding) -> tuple[int, int, str, str]:
        rank = order.get(f.location.revision or "", -1) if f.location.revision else -1
        return (rank, f.location.line or 0, f.code, f.subject or "")

    return sorted(findings, key=key)
