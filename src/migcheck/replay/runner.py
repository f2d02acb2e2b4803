"""Plain replay: base to every head, one revision at a time, recording what each did.

A failing revision is rolled back and recorded; its descendants are skipped (they would fail
for its sake), while revisions on other branches still run, so one replay reports every
independent failure of a history.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import psycopg
from alembic.runtime.migration import MigrationStep
from alembic.script import Script
from alembic.util import to_tuple
from psycopg import sql

from migcheck.errors import InputError
from migcheck.model import RevisionResult, Status, StepResult
from migcheck.project import Project
from migcheck.replay import bootstrap as bootstrapping
from migcheck.replay.bootstrap import Bootstrap
from migcheck.replay.session import ConnectionPlan, Director, Program, run_program
from migcheck.server.base import Server

_ASYNC_MARKERS = ("async_engine_from_config", "create_async_engine", "AsyncEngine")
_DRIVERS = ("asyncpg", "psycopg", "psycopg2")


@dataclass
class ReplayOptions:
    """How to drive env.py; every field can be set in [tool.migcheck] or by a flag."""

    x_args: list[str] = field(default_factory=list)
    url_env: list[str] = field(default_factory=list)
    driver: str | None = None  # psycopg | asyncpg | default; None: guessed from env.py
    pass_connection: bool | None = None  # None: yes unless env.py is async
    statement_timeout: str = "5min"
    lock_timeout: str = "30s"
    # "pkg.mod:func" called with the URL before env.py runs; a context manager it returns
    # (a Flask app context) is entered around env.py
    url_hook: str | None = None
    bootstrap: Bootstrap | None = None  # what the database holds before the first revision


def parents_of(project: Project, script: Script) -> set[str]:
    """Revisions that must be applied before `script`: down revisions and depends_on (those
    a bootstrap stamps are in the database from the start, so they are left out)."""
    return project.parents(script) - project.covered()


def describe_revisions(project: Project) -> list[RevisionResult]:
    """A RevisionResult per revision, in upgrade order, before anything has run."""
    heads = set(project.script.get_heads())
    results = []
    for script in project.ordered_revisions():
        results.append(
            RevisionResult(
                revision=script.revision,
                path=project.revision_path(script),
                message=(script.doc or "").strip().splitlines()[0] if script.doc else "",
                down_revisions=list(to_tuple(script.down_revision) or ()),
                depends_on=list(to_tuple(script.dependencies) or ()),
                branch_labels=sorted(script.branch_labels or ()),
                is_merge=script.is_merge_point,
                is_head=script.revision in heads,
            )
        )
    return results


def connection_plan(
    project: Project, server: Server, database: str, options: ReplayOptions
) -> ConnectionPlan:
    env_source = project.files.env_py.read_text(encoding="utf-8", errors="replace")
    is_async = any(marker in env_source for marker in _ASYNC_MARKERS)
    driver = options.driver or guess_driver(project, env_source, is_async)
    pass_connection = options.pass_connection
    if pass_connection is None:
        pass_connection = not is_async
    url = server.url(database, driver).render_as_string(hide_password=False)
    plan = ConnectionPlan(url=url, pass_connection=pass_connection, url_env=list(options.url_env))
    if options.url_hook:
        hook = options.url_hook
        plan.around = lambda: url_hook_context(hook, url)
    return plan


def guess_driver(project: Project, env_source: str, is_async: bool) -> str:
    """The driver of the URL in alembic.ini when it names one, else asyncpg for an async
    env.py that mentions it, else psycopg (which SQLAlchemy drives sync and async alike)."""
    configured = project.files.options.get("sqlalchemy.url", "")
    match = re.match(r"postgres(?:ql)?\+(\w+)://", configured)
    if match and match.group(1) in _DRIVERS:
        return match.group(1)
    return "asyncpg" if is_async and "asyncpg" in env_source else "psycopg"


def url_hook_context(target: str, url: str) -> AbstractContextManager[Any]:
    """Call the url_hook with the URL (the project is importable by then); what it returns is
    entered around env.py when it is a context manager."""
    hook = bootstrapping.resolve(target, "url_hook")
    try:
        returned = hook(url)
    except Exception as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"url_hook {target} failed: {type(exc).__name__}: {message}") from None
    if hasattr(returned, "__enter__") and hasattr(returned, "__exit__"):
        return returned
    return nullcontext()


def prepare_database(
    server: Server, name: str, options: ReplayOptions, project: Project | None = None
) -> str:
    """A fresh database with hang guards that apply to every connection env.py opens.

    With `project` and a configured bootstrap, the database is a copy of the bootstrapped
    one (bootstrapped once per server), and the project learns which revisions the bootstrap
    stamps (those are not replayed).
    """
    if project is None or options.bootstrap is None:
        return _fresh_database(server, name, options)
    bootstrapping.covered(project, options.bootstrap)
    template = bootstrapping.bootstrapped_template(
        server, project, options, lambda template: _fresh_database(server, template, options)
    )
    return fork_database(server, name, template)


def fork_database(server: Server, name: str, template: str) -> str:
    """A copy of `template` (with its hang guards: create_database copies them).

    CREATE DATABASE ... TEMPLATE fails while someone is connected to the template; an env.py
    building its own pooled engine may leave idle sessions behind, and since the template is
    a database of this run, they are ended.
    """
    try:
        return server.create_database(name, template=template)
    except psycopg.errors.ObjectInUse:
        with server.admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (template,),
            )
        return server.create_database(name, template=template)


def _fresh_database(server: Server, name: str, options: ReplayOptions) -> str:
    database = server.create_database(name)
    with server.admin() as conn:
        for setting, value in (
            ("statement_timeout", options.statement_timeout),
            ("lock_timeout", options.lock_timeout),
        ):
            if not re.fullmatch(r"\d+\s*(ms|s|min|h)?", value.strip()):
                raise InputError(f"{setting} {value!r}: use a duration like 30s or 5min")
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                    sql.Identifier(database), sql.Identifier(setting), sql.Literal(value)
                )
            )
    return database


AfterStep = Callable[[Director, Script, RevisionResult], None]


def explain_failure(
    project: Project, script: Script, step: StepResult, options: ReplayOptions
) -> None:
    """Add to a failed upgrade what migcheck knows beyond the server's message: that the
    history expects tables no revision creates (when no bootstrap is configured)."""
    if step.failure is not None and options.bootstrap is None:
        bootstrapping.explain_missing_base(project, script, step.failure)


def upgrade_program(
    project: Project,
    results: list[RevisionResult],
    after_step: AfterStep | None = None,
    options: ReplayOptions | None = None,
) -> Program:
    """A program upgrading every revision in order, skipping descendants of failures.

    `after_step` runs after each successful upgrade (the step is committed by then), e.g. to
    snapshot the database for blame.
    """
    by_id = {r.revision: r for r in results}
    options = options or ReplayOptions()

    def program(director: Director) -> Iterator[MigrationStep]:
        blocked: dict[str, str] = {}
        for script in project.ordered_revisions():
            result = by_id[script.revision]
            parents = sorted(parents_of(project, script))  # sorted: stable reasons
            cause = next((blocked[p] for p in parents if p in blocked), None)
            if cause is not None:
                blocked[script.revision] = cause
                result.status = Status.SKIPPED
                result.skipped_because = f"{cause} failed"
                continue
            yield director.step(script, "upgrade")
            assert director.last is not None
            result.upgrade = director.last
            result.status = director.last.status
            if director.last.status is Status.FAILED:
                blocked[script.revision] = script.revision
                explain_failure(project, script, director.last, options)
            elif after_step is not None:
                with director.paused():
                    after_step(director, script, result)

    return program


@dataclass
class Replay:
    """A finished replay whose database still exists (inside `replayed`)."""

    revisions: list[RevisionResult]
    database: str

    @property
    def failed(self) -> bool:
        return any(r.status is Status.FAILED for r in self.revisions)


@contextmanager
def replayed(
    project: Project,
    server: Server,
    options: ReplayOptions,
    after_step: AfterStep | None = None,
    name: str = "replay",
) -> Iterator[Replay]:
    """Replay the whole history on a fresh database, which is dropped when the block ends."""
    database = prepare_database(server, name, options, project)
    try:
        results = describe_revisions(project)  # after the bootstrap says what it stamps
        plan = connection_plan(project, server, database, options)
        program = upgrade_program(project, results, after_step, options)
        # after_step reads through connections of its own: it needs each step committed.
        run_program(project, plan, program, commit_each=after_step is not None)
        yield Replay(results, database)
    finally:
        server.drop_database(database)


def replay(project: Project, server: Server, options: ReplayOptions) -> list[RevisionResult]:
    """Replay the whole history on a fresh database and drop it."""
    with replayed(project, server, options) as done:
        return done.revisions
