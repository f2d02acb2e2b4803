"""take_snapshot: read one database's schema (and reference rows) into a Snapshot."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from migcheck.snapshot.catalog import Catalog, TableInfo, read_catalog
from migcheck.snapshot.data import natural_key, read_rows
from migcheck.snapshot.model import DbObject, Snapshot, TableRows
from migcheck.snapshot.runner import PREPARED_PREFIX, QueryRunner, ServerStatements

ALL_TABLES = ("*",)


@dataclass
class SnapshotOptions:
    """What to read. Table patterns are fnmatch patterns on `schema.table` or the bare name."""

    exclude_tables: list[str] = field(default_factory=lambda: ["alembic_version"])
    schemas: list[str] | None = None  # only these schemas; None: every user schema
    owners: bool = False  # owners are cluster-specific (roles), so off by default
    grants: bool = False
    # Tables whose rows are part of the snapshot; only those holding rows are kept.
    # None: no data; ALL_TABLES: every table.
    reference_tables: list[str] | tuple[str, ...] | None = None
    natural_keys: dict[str, list[str]] = field(default_factory=dict)
    # Only these names (qualified; a table's name brings its columns, constraints, indexes,
    # triggers and rows): what a blame probe reads after each revision. None: everything.
    scope: list[str] | None = None
    # With a scope: tables outside it whose keys its rows need (their foreign keys' parents),
    # read for that only, never part of the snapshot.
    key_tables: list[str] = field(default_factory=list)
    kinds: list[str] | None = None  # only these object kinds ("row": rows); None: all

    def reads_everything(self) -> bool:
        """Whether every user object and every row is read (Alembic's version table aside):
        then nothing a migration does to them goes unseen."""
        return (
            self.schemas is None
            and self.scope is None
            and self.kinds is None
            and self.reference_tables is not None
            and "*" in self.reference_tables
            and set(self.exclude_tables) <= {"alembic_version"}
        )


def matches(name: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """Does `schema.table` (or its bare table name) match one of the patterns?"""
    bare = name.split(".", 1)[-1]
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(bare, p) for p in patterns)


def take_snapshot(query: QueryRunner, options: SnapshotOptions | None = None) -> Snapshot:
    """Read the database behind `query`; see SnapshotOptions for what is included."""
    with reading(query) as server:
        return read_snapshot(query, options or SnapshotOptions(), server)


def read_snapshot(query: QueryRunner, options: SnapshotOptions, server: ServerInfo) -> Snapshot:
    """take_snapshot's work, for callers already inside `reading(query)`."""
    extra = set(options.key_tables) - set(options.scope or ()) if options.scope else set()
    scope = None if options.scope is None else [*options.scope, *sorted(extra)]
    catalog = read_catalog(
        query, server.version_num, options.owners, options.grants, scope, options.kinds
    )
    snapshot = Snapshot(server_version=server.version.split()[0])
    excluded = {n for n in catalog.tables if matches(n, options.exclude_tables)}
    for obj in catalog.objects:
        if _included(obj, excluded, options.schemas) and obj.scope not in extra:
            snapshot.add(obj)
    if options.reference_tables is not None and (options.kinds is None or "row" in options.kinds):
        snapshot.data = _read_data(query, catalog, snapshot, options)
    return snapshot


def read_tables(query: QueryRunner) -> dict[str, TableInfo]:
    """Every user table's columns and keys (what writing or reading its rows needs)."""
    with reading(query) as server:
        return read_catalog(query, server.version_num).tables


def _included(obj: DbObject, excluded: set[str], schemas: list[str] | None) -> bool:
    if _owning_table(obj) in excluded:
        return False
    if schemas is None or obj.kind == "extension":
        return True
    schema = obj.name if obj.kind == "schema" else obj.name.split(".", 1)[0]
    return schema in schemas


def _owning_table(obj: DbObject) -> str | None:
    if obj.kind == "table":
        return obj.name
    owner = obj.owner
    return owner[1] if owner is not None and owner[0] == "table" else None


def _read_data(
    query: QueryRunner, catalog: Catalog, snapshot: Snapshot, options: SnapshotOptions
) -> dict[str, TableRows]:
    patterns = options.reference_tables or ()
    known = {o.name for o in snapshot.objects.values() if o.kind == "table"}
    if options.scope is not None:
        known.update(
            t
            for t in options.key_tables
            if not matches(t, options.exclude_tables)
            and (options.schemas is None or t.split(".", 1)[0] in options.schemas)
        )
    tables = {
        name: info for name, info in catalog.tables.items() if name in known and info.kind == "r"
    }
    # What a full read would read; foreign keys to those render through their natural key.
    readable = {n for n, info in tables.items() if info.has_storage and matches(n, patterns)}
    chosen = sorted(
        name
        for name in readable
        if snapshot.get("table", name) is not None
        and (options.scope is None or name in options.scope)
    )
    keys = {name: natural_key(tables[name], options.natural_keys) for name in readable}
    return read_rows(query, tables, chosen, keys)


@dataclass(frozen=True)
class ServerInfo:
    version_num: int
    version: str


@contextmanager
def reading(query: QueryRunner) -> Iterator[ServerInfo]:
    """Settings for our catalog reads, put back afterwards (the connection may be env.py's).

    An empty search_path, so that deparsed names are schema-qualified whatever the
    connection's own (env.py may have set a tenant's). Generic plans: the same catalog queries
    run after every step of a stairway with other parameters, and planning them each time
    would cost more than running them (PostgreSQL 12 and later).
    """
    version_num, version, path, plans, prepared = query.fetchall(_READING)[0][:5]
    statements: ServerStatements | None = getattr(query, "server_statements", None)
    if statements is not None:
        statements.sync(prepared)
    try:
        yield ServerInfo(int(version_num), str(version))
    finally:
        query.fetchall(_RESTORE, {"path": path, "plans": plans})
        if statements is not None:
            statements.sync(None)  # steps run next: what exists is asked again


# One round trip: the current settings (read first: OFFSET 0 keeps the subquery apart), our
# prepared statements (runner.ServerStatements), then our settings. plan_cache_mode is NULL
# before PostgreSQL 12 and left alone there.
_READING = f"""
SELECT num, version, path, plans,
       ARRAY(SELECT name FROM pg_prepared_statements
             WHERE left(name, {len(PREPARED_PREFIX)}) = '{PREPARED_PREFIX}'),
       set_config('search_path', '', false),
       CASE WHEN plans IS NOT NULL
            THEN set_config('plan_cache_mode', 'force_generic_plan', false) END
FROM (SELECT current_setting('server_version_num')::int AS num,
             current_setting('server_version') AS version,
             current_setting('search_path') AS path,
             current_setting('plan_cache_mode', true) AS plans
      OFFSET 0) AS before
"""
_RESTORE = """
SELECT set_config('search_path', %(path)s, false),
       CASE WHEN CAST(%(plans)s AS text) IS NOT NULL
            THEN set_config('plan_cache_mode', %(plans)s, false) END
"""
