"""Run the project's own env.py once and drive it, step by step, from a program of ours.

Alembic calls the `fn` given to `EnvironmentContext` from inside `context.run_migrations()`
and iterates what it returns. We return a generator: it yields one Alembic `MigrationStep` at a
time and regains control after each has run, so between steps it can take snapshots, re-run a
step in a rolled-back savepoint, or decide what to run next — all within one execution of
env.py, on the connection env.py configured. Each step runs in its own savepoint so a failing
revision is recorded and rolled back instead of aborting the whole replay.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, MigrationStep
from alembic.script import Script
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from migcheck.errors import InputError
from migcheck.model import Status, StepResult
from migcheck.project import Project, project_import_path
from migcheck.replay.capture import Capture, revision_file_set
from migcheck.replay.failures import classify, revision_line

Program = Callable[["Director"], Iterator[MigrationStep]]


@dataclass
class ConnectionPlan:
    """How env.py learns where the throwaway database is (see docs/recipes.md)."""

    url: str  # rendered, password included: only ever handed to env.py
    pass_connection: bool = True
    url_env: list[str] = field(default_factory=list)
    # entered around env.py, inside the project's import path (runner.url_hook_context)
    around: Callable[[], AbstractContextManager[Any]] | None = None


class Director:
    """What a program sees: the live migration context and a way to build wrapped steps."""

    def __init__(self, project: Project, capture: Capture) -> None:
        self.project = project
        self.capture = capture
        self.context: MigrationContext | None = None
        self.last: StepResult | None = None
        # Runs after a step succeeded, still inside its transaction (Alembic commits after).
        self.on_applied: Callable[[Connection], None] | None = None

    @property
    def connection(self) -> Connection:
        assert self.context is not None and self.context.connection is not None
        return self.context.connection

    def step(self, script: Script, direction: str) -> MigrationStep:
        """An Alembic step for `script` whose run is captured, timed and contained."""
        revision_map = self.project.script.revision_map
        if direction == "upgrade":
            step = MigrationStep.upgrade_from_script(revision_map, script)
        else:
            step = MigrationStep.downgrade_from_script(revision_map, script)
        original = step.migration_fn
        result = StepResult(direction=direction, status=Status.OK)
        self.last = result

        @functools.wraps(original)  # Alembic logs the step under the function's name
        def run(**kw: Any) -> None:
            # Alembic's per-migration COMMIT ends our savepoint too: no RELEASE round trip.
            per_migration = self.context is not None and bool(
                self.context.opts.get("transaction_per_migration")
            )
            self.call(script, direction, original, result, kw, release=not per_migration)
            if result.status is Status.OK and self.on_applied is not None:
                with self.paused():
                    self.on_applied(self.connection)

        step.migration_fn = run
        return step

    def call(
        self,
        script: Script,
        direction: str,
        fn: Callable[..., Any],
        result: StepResult,
        kw: dict[str, Any] | None = None,
        *,
        keep: bool = True,
        release: bool = True,
    ) -> StepResult:
        """Run `fn` (a revision's upgrade/downgrade) inside a savepoint, recording into result.

        With keep=False the savepoint is always rolled back (used to re-run a step on top of
        its own result without keeping what the re-run did). With release=False a kept
        savepoint is left for the transaction's end to close.
        """
        conn = self.connection
        savepoint = None if uses_autocommit(script) else conn.begin_nested()
        self.capture.begin(result)
        started = time.perf_counter()
        try:
            fn(**(kw or {}))
        except Exception as exc:
            self._finish(result, started)
            result.status = Status.FAILED
            result.failure = self._failure(script, direction, exc)
            _rollback(conn, savepoint)
        else:
            self._finish(result, started)
            if savepoint is not None and savepoint.is_active and (release or not keep):
                (savepoint.commit if keep else savepoint.rollback)()
        finally:
            self.capture.end()
        return result

    def _finish(self, result: StepResult, started: float) -> None:
        """Stop attributing statements (savepoint bookkeeping is ours) and stamp the time."""
        self.capture.current = None
        result.duration_ms = round((time.perf_counter() - started) * 1000, 3)

    def _failure(self, script: Script, direction: str, exc: BaseException) -> Any:
        path = self.project.files.relative(script.path)
        db_error = self.capture.last_error
        from_db = db_error is not None and (
            db_error.exception is exc or db_error.exception is getattr(exc, "orig", None)
        )
        line = revision_line(exc, self.capture.revision_files)
        if from_db and db_error is not None:
            line = db_error.line or line
        return classify(
            exc,
            statement=db_error.statement if from_db and db_error else None,
            path=path,
            line=line,
            direction=direction,
        )

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Run our own queries (snapshots) without attributing them to a step."""
        current, self.capture.current = self.capture.current, None
        try:
            yield
        finally:
            self.capture.current = current

    @contextmanager
    def separate_invocation(self) -> Iterator[None]:
        """Run steps as a new `alembic` command would: with an empty DDL memo.

        Alembic remembers, for one run (`impl.memo`), which enum types its create_table calls
        have created, and does not create them again. Re-running a step within the same run
        (a round trip's second upgrade, a data migration's rerun) after a downgrade dropped
        such a type would then wrongly skip creating it, and fail or differ for a reason no
        real deploy has. The memo is put back afterwards: the caller puts the database back
        too, so the rest of the run continues from what Alembic remembered.
        """
        impl = self.context.impl if self.context is not None else None
        saved = impl.memo if impl is not None else None
        if impl is not None:
            impl.memo = {}
        try:
            yield
        finally:
            if impl is not None:
                impl.memo = saved


def _rollback(conn: Connection, savepoint: Any) -> None:
    if savepoint is not None and savepoint.is_active:
        savepoint.rollback()
    elif conn.in_transaction():
        conn.rollback()


def uses_autocommit(script: Script) -> bool:
    """Whether the revision leaves the transaction (`autocommit_block`): its steps get no
    savepoint, and nothing it does can be rolled back by us."""
    return "autocommit_block" in _source(script)


def _source(script: Script) -> str:
    cached = getattr(script, "_migcheck_source", None)
    if cached is None:
        try:
            with open(script.path, encoding="utf-8") as handle:
                cached = handle.read()
        except OSError:
            cached = ""
        script._migcheck_source = cached  # type: ignore[attr-defined]
    return cached


def _environment(config: Any, project: Project, fn: Any, commit_each: bool) -> EnvironmentContext:
    """env.py's `context`; with `commit_each`, its configure() forces per-migration
    transactions.

    Per-migration transactions let each step commit, so that snapshots taken between steps
    from any connection see the result. A plain replay needs none: each step's savepoint
    already rolls back a failing revision alone, and env.py's own transaction layout is what
    production runs (and a commit per revision costs a round trip or two).
    (An instance attribute, not a subclass: Alembic's module proxy is keyed by class.)
    """
    env = EnvironmentContext(config, project.script, fn=fn, destination_rev="heads")
    if not commit_each:
        return env
    configure = env.configure

    def configure_per_migration(*args: Any, **kw: Any) -> None:
        kw["transaction_per_migration"] = True
        configure(*args, **kw)

    env.configure = configure_per_migration  # type: ignore[method-assign]
    return env


def run_program(
    project: Project, plan: ConnectionPlan, program: Program, *, commit_each: bool = True
) -> Director:
    """Execute env.py once against plan.url, letting `program` choose every step."""
    config = project.config
    revision_files = revision_file_set(
        [s.path for s in project.script.walk_revisions("base", "heads")]
    )
    capture = Capture(revision_files)
    director = Director(project, capture)
    ran = False

    def fn(heads: Any, context: MigrationContext) -> Iterator[MigrationStep]:
        nonlocal ran
        ran = True
        director.context = context
        return program(director)

    config.set_main_option("sqlalchemy.url", plan.url.replace("%", "%%"))
    engine = create_engine(make_url(plan.url), poolclass=NullPool) if plan.pass_connection else None
    saved_env = {name: os.environ.get(name) for name in plan.url_env}
    os.environ.update({name: plan.url for name in plan.url_env})
    try:
        with project_import_path(project.files), capture, (plan.around or nullcontext)():
            connection = engine.connect() if engine is not None else None
            try:
                if connection is not None:
                    config.attributes["connection"] = connection
                with _environment(config, project, fn, commit_each):
                    _run_env(project)
                if connection is not None and connection.in_transaction():
                    connection.commit()
            finally:
                config.attributes.pop("connection", None)
                if connection is not None:
                    connection.close()
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if engine is not None:
            engine.dispose()
    if not ran:
        raise InputError(
            f"{project.files.env_py}: env.py finished without calling context.run_migrations() "
            "in online mode; migcheck needs the online path"
        )
    return director


def _run_env(project: Project) -> None:
    """Run env.py; errors outside any step are the env.py's own and end the run."""
    env_py = str(project.files.env_py)
    try:
        project.script.run_env()
    except InputError:
        raise
    except Exception as exc:
        line = None
        for frame, lineno in _walk(exc):
            if frame == env_py:
                line = lineno
        where = f"{project.files.relative(env_py)}:{line}" if line else env_py
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(
            f"{where}: env.py failed: {type(exc).__name__}: {message[:300]}; "
            "fix env.py or configure how migcheck connects ([tool.migcheck], docs/recipes.md)"
        ) from None


def _walk(exc: BaseException) -> Iterator[tuple[str, int]]:
    import traceback

    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        yield frame.f_code.co_filename, lineno
