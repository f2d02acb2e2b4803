"""Plain replay: base to every head, one revision at a time, recording what each did.

A failing revision is rolled back and recorded; its descendants are skipped (they would fail
for its sake), while revisions on other branches still run, so one replay reports every
independent failure of a history.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from alembic.runtime.migration import MigrationStep
from alembic.script import Script
from alembic.util import to_tuple
from psycopg import sql

from migcheck.errors import InputError
from migcheck.model import RevisionResult, Status
from migcheck.project import Project
from migcheck.replay.session import ConnectionPlan, Director, Program, run_program
from migcheck.server.base import Server

_ASYNC_MARKERS = ("async_engine_from_config", "create_async_engine", "AsyncEngine")


@dataclass
class ReplayOptions:
    """How to drive env.py; every field can be set in [tool.migcheck] or by a flag."""

    x_args: list[str] = field(default_factory=list)
    url_env: list[str] = field(default_factory=list)
    driver: str | None = None  # psycopg | asyncpg | default; None: guessed from env.py
    pass_connection: bool | None = None  # None: yes unless env.py is async
    statement_timeout: str = "5min"
    lock_timeout: str = "30s"


def parents_of(project: Project, script: Script) -> set[str]:
    """Revisions that must be applied before `script`: down revisions and depends_on."""
    parents = set(to_tuple(script.down_revision) or ())
    for dep in to_tuple(script.dependencies) or ():
        resolved = project.script.revision_map.get_revision(dep)
        if resolved is not None:
            parents.add(resolved.revision)
    return parents


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
    driver = options.driver or ("asyncpg" if is_async and "asyncpg" in env_source else "psycopg")
    pass_connection = options.pass_connection
    if pass_connection is None:
        pass_connection = not is_async
    url = server.url(database, driver).render_as_string(hide_password=False)
    return ConnectionPlan(url=url, pass_connection=pass_connection, url_env=list(options.url_env))


def prepare_database(server: Server, name: str, options: ReplayOptions) -> str:
    """A fresh database with hang guards that apply to every connection env.py opens."""
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


def upgrade_program(
    project: Project, results: list[RevisionResult], after_step: AfterStep | None = None
) -> Program:
    """A program upgrading every revision in order, skipping descendants of failures.

    `after_step` runs after each successful upgrade (the step is committed by then), e.g. to
    snapshot the database for blame.
    """
    by_id = {r.revision: r for r in results}

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
    results = describe_revisions(project)
    database = prepare_database(server, name, options)
    try:
        plan = connection_plan(project, server, database, options)
        run_program(project, plan, upgrade_program(project, results, after_step))
        yield Replay(results, database)
    finally:
        server.drop_database(database)


def replay(project: Project, server: Server, options: ReplayOptions) -> list[RevisionResult]:
    """Replay the whole history on a fresh database and drop it."""
    with replayed(project, server, options) as done:
        return done.revisions
