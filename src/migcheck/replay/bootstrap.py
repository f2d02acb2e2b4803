"""Bootstrap: what a fresh database needs before the history's first revision can run.

Many real histories do not start from an empty database: the first revision alters tables it
never creates, because new installations run `metadata.create_all()` + `alembic stamp head`
and old ones predate Alembic. `[tool.migcheck.bootstrap]` says how to build the starting
point (see docs/recipes.md#bootstrap), with exactly one of:

    sql = "legacy_schema.sql"        a SQL file (or pg_dump archive), loaded like a reference
    callable = "pkg.module:function" called with a SQLAlchemy Connection (committed after)
    create_all = "REV"               env.py's target_metadata (or `metadata = "pkg.mod:attr"`)
                                     created with create_all, then the database stamped REV

and, for `sql` and `callable`, `stamp = "REV"` when what they build is revision REV.

A stamped revision and its ancestors are not replayed (`Project.stamped`): the replay and
every check continue after it. Every other revision runs on the bootstrapped database, which
is also the "before" of the first revision's round trip.

The bootstrap runs once per server and project: the bootstrapped database is kept as a
template and every database of the run (the stairway's, branch-order forks, diff, dump) is
a copy of it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from alembic.runtime.migration import MigrationStep
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from migcheck.config import Settings
from migcheck.errors import InputError
from migcheck.model import Failure
from migcheck.project import Project, project_import_path
from migcheck.server.base import Server

if TYPE_CHECKING:
    from alembic.script import Script

    from migcheck.replay.runner import ReplayOptions
    from migcheck.replay.session import Director

RECIPE = "docs/recipes.md#bootstrap"
_KINDS = ("sql", "callable", "create_all")
_KEYS = frozenset({*_KINDS, "stamp", "metadata"})
_TARGET = re.compile(r"^[\w.]+:[\w.]+$")


@dataclass(frozen=True)
class Bootstrap:
    """One `[tool.migcheck.bootstrap]` table, paths resolved."""

    sql: Path | None = None
    callable: str | None = None
    create_all: str | None = None  # the revision stamped after create_all
    metadata: str | None = None  # "pkg.mod:attr"; None: env.py's target_metadata
    stamp: str | None = None  # for sql / callable: the revision they build

    @property
    def stamped(self) -> str | None:
        """The revision the bootstrapped database is at (None: before the first revision)."""
        return self.create_all or self.stamp

    def describe(self) -> str:
        if self.sql is not None:
            what = f"SQL file {self.sql}"
        elif self.callable is not None:
            what = f"callable {self.callable}"
        else:
            what = f"create_all from {self.metadata or 'env.py target_metadata'}"
        return f"{what}, stamped {self.stamped}" if self.stamped else what


def from_settings(settings: Settings) -> Bootstrap | None:
    """The bootstrap [tool.migcheck] configures, checked; None when there is none."""
    table = settings.section("bootstrap")
    if not table:
        return None
    where = f"{settings.source or 'pyproject.toml'}: [tool.migcheck.bootstrap]"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r}; use one of {', '.join(_KINDS)}")
    chosen = [k for k in _KINDS if k in table]
    if len(chosen) != 1:
        raise InputError(f"{where}: set exactly one of {', '.join(_KINDS)} (see {RECIPE})")
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: {key} must be a non-empty string")
    for key in ("callable", "metadata"):
        if key in table and not _TARGET.match(table[key]):
            raise InputError(f"{where}: {key} {table[key]!r}: write it as 'package.module:name'")
    if "create_all" in table and "stamp" in table:
        raise InputError(f"{where}: create_all names the revision it stamps; drop stamp")
    if "metadata" in table and "create_all" not in table:
        raise InputError(f"{where}: metadata only goes with create_all")
    sql = None
    if "sql" in table:
        sql = (settings.root / table["sql"]).resolve()
        if not sql.exists():
            raise InputError(f"{where}: sql file {sql} does not exist")
    return Bootstrap(
        sql=sql,
        callable=table.get("callable"),
        create_all=table.get("create_all"),
        metadata=table.get("metadata"),
        stamp=table.get("stamp"),
    )


def covered(project: Project, bootstrap: Bootstrap | None) -> None:
    """Tell the project which revision the bootstrap stamps (those up to it are not run)."""
    stamped = bootstrap.stamped if bootstrap is not None else None
    if stamped is None:
        project.stamped = None
        return
    try:
        found = project.script.revision_map.get_revisions(stamped)
    except Exception as exc:  # Alembic's RevisionError / ResolutionError / CommandError
        raise InputError(
            f"[tool.migcheck.bootstrap]: stamp revision {stamped!r} is not in the history "
            f"({' '.join(str(exc).split())})"
        ) from None
    project.stamped = tuple(r.revision for r in found if r is not None)


# The bootstrapped template of each (server, project, bootstrap), made once per server.
_TEMPLATES: WeakKeyDictionary[Server, dict[tuple[Any, ...], str]] = WeakKeyDictionary()


def bootstrapped_template(
    server: Server, project: Project, options: ReplayOptions, fresh: Callable[[str], str]
) -> str:
    """A database holding the bootstrap's result, to be copied; `fresh(name)` makes an empty
    database with the run's guards."""
    assert options.bootstrap is not None
    key = (str(project.files.config_file), options.bootstrap, tuple(options.x_args))
    templates = _TEMPLATES.setdefault(server, {})
    template = templates.get(key)
    if template is not None and (server.created(template) or template in _adopted(server)):
        return template
    template = fresh(f"bootstrap_{len(templates) + 1}")
    try:
        run_bootstrap(server, template, project, options)
    except BaseException:
        server.drop_database(template)
        raise
    templates[key] = template
    return template


def made_templates(server: Server) -> dict[tuple[Any, ...], str]:
    """The bootstrapped templates made on `server` so far (to hand to a worker process)."""
    return {key: name for key, name in _TEMPLATES.get(server, {}).items() if server.created(name)}


def adopt_templates(server: Server, templates: dict[tuple[Any, ...], str]) -> None:
    """Use templates that another process of the run made (made_templates), instead of
    bootstrapping again; they stay that process's to drop."""
    _TEMPLATES.setdefault(server, {}).update(templates)
    _ADOPTED.setdefault(server, set()).update(templates.values())


_ADOPTED: WeakKeyDictionary[Server, set[str]] = WeakKeyDictionary()


def _adopted(server: Server) -> set[str]:
    return _ADOPTED.get(server, set())


def run_bootstrap(server: Server, database: str, project: Project, options: ReplayOptions) -> None:
    """Build the bootstrap's starting point in `database` (fresh, guards set)."""
    bootstrap = options.bootstrap
    assert bootstrap is not None
    if bootstrap.sql is not None:
        _load_sql(server, database, bootstrap.sql)
    elif bootstrap.callable is not None:
        _call(server, database, project, bootstrap.callable)
    if bootstrap.stamped is not None:
        _create_all_and_stamp(server, database, project, options, bootstrap)


def _load_sql(server: Server, database: str, path: Path) -> None:
    from migcheck.reference.archive import is_archive, restore_archive
    from migcheck.reference.plain import load_plain

    try:
        if is_archive(path):
            restore_archive(path, server, database)
        else:
            load_plain(path, server.conninfo(database), server.describe())
    except InputError as exc:
        raise InputError(f"bootstrap: {exc}") from None


def _call(server: Server, database: str, project: Project, target: str) -> None:
    engine = create_engine(server.url(database, "psycopg"), poolclass=NullPool)
    try:
        with project_import_path(project.files):
            function = resolve(target, "bootstrap callable")
            with engine.begin() as connection:
                function(connection)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"bootstrap callable {target} failed: {_one_line(exc)}") from None
    finally:
        engine.dispose()


def resolve(target: str, what: str) -> Any:
    """`package.module:attr` imported (the caller puts the project on sys.path)."""
    module_name, _, attribute = target.partition(":")
    try:
        value: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            value = getattr(value, part)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"{what} {target}: cannot be imported ({_one_line(exc)})") from None
    return value


def _create_all_and_stamp(
    server: Server,
    database: str,
    project: Project,
    options: ReplayOptions,
    bootstrap: Bootstrap,
) -> None:
    """Through env.py (its version_table, schema and connection): create_all, then stamp."""
    from migcheck.replay.runner import connection_plan
    from migcheck.replay.session import run_program

    def program(director: Director) -> Iterator[MigrationStep]:
        context = director.context
        assert context is not None
        if bootstrap.create_all is not None:
            for metadata in _metadatas(bootstrap, context.opts.get("target_metadata")):
                with director.paused():
                    metadata.create_all(director.connection)
        heads = context.get_current_heads()
        # Stamp steps: Alembic's run loop writes the version table and commits each step.
        yield from project.script._stamp_revs(bootstrap.stamped, heads)

    plan = connection_plan(project, server, database, options)
    # The stamped revisions are not replayed, but the stamp must see the whole history.
    stamped, project.stamped = project.stamped, None
    try:
        run_program(project, plan, program)
    finally:
        project.stamped = stamped


def _metadatas(bootstrap: Bootstrap, target_metadata: Any) -> list[Any]:
    if bootstrap.metadata is not None:
        found = resolve(bootstrap.metadata, "bootstrap metadata")
    else:
        found = target_metadata
    if found is None:
        raise InputError(
            "bootstrap create_all: env.py passes no target_metadata to context.configure(); "
            'name the MetaData with metadata = "package.module:attribute"'
        )
    return list(found) if isinstance(found, (list, tuple)) else [found]


# -- the hint when a revision expects tables that no revision creates ------------------------

_RELATION = re.compile(r'relation "([^"]+)"')


def explain_missing_base(project: Project, script: Script, failure: Failure) -> None:
    """Say so when a first revision (no down_revision) fails on tables no revision creates.

    The failure's summary gains which tables the revision expects (what its upgrade touches
    and the error names, minus what any revision creates) and where to configure a bootstrap.
    """
    if script.down_revision or failure.sqlstate not in ("42P01", "42703"):
        return  # later revisions missing a table are more often wrong than legacy
    expected = missing_tables(project, script, failure)
    if not expected:
        return
    advice = f"configure [tool.migcheck.bootstrap] (see {RECIPE})"
    failure.summary += (
        "; the first revision expects tables that no revision creates: "
        f"{', '.join(expected)} — {advice}"
    )
    failure.hint = failure.hint or advice


def missing_tables(project: Project, script: Script, failure: Failure) -> list[str]:
    """Tables the revision's upgrade touches (or the error names) that no revision creates."""
    from migcheck.lint.facts import Kind
    from migcheck.lint.source import read_revision

    created: set[str] = set()
    touched: list[str] = []
    for other in project.script.walk_revisions("base", "heads"):
        try:
            facts = read_revision(Path(other.path), other.path)
        except InputError:
            continue
        created.update(t.name.lower() for t in facts.created_tables())
        if other.revision == script.revision:
            touched = [
                a.table.name
                for a in facts.upgrade()
                if a.table is not None and a.kind is not Kind.CREATE_TABLE
            ]
    named = failure.table or next(iter(_RELATION.findall(failure.message)), None)
    if named and failure.sqlstate == "42P01":
        touched.insert(0, named.split(".")[-1])
    found: list[str] = []
    for table in touched:
        if table.lower() not in created and table not in found:
            found.append(table)
    return found


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
