"""take_snapshot: read one database's schema (and reference rows) into a Snapshot."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from migcheck.snapshot.catalog import Catalog, TableInfo, read_catalog
from migcheck.snapshot.data import natural_key, read_rows
from migcheck.snapshot.model import DbObject, Snapshot, TableRows
from migcheck.snapshot.runner import QueryRunner

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
    kinds: list[str] | None = None  # only these object kinds ("row": rows); None: all


def matches(name: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """Does `schema.table` (or its bare table name) match one of the patterns?"""
    bare = name.split(".", 1)[-1]
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(bare, p) for p in patterns)


def take_snapshot(query: QueryRunner, options: SnapshotOptions | None = None) -> Snapshot:
    """Read the database behind `query`; see SnapshotOptions for what is included."""
    options = options or SnapshotOptions()
    with _qualified_names(query) as (version_num, version):
        catalog = read_catalog(
            query, version_num, options.owners, options.grants, options.scope, options.kinds
        )
        snapshot = Snapshot(server_version=str(version).split()[0])
        excluded = {n for n in catalog.tables if matches(n, options.exclude_tables)}
        for obj in catalog.objects:
            if _included(obj, excluded, options.schemas):
                snapshot.add(obj)
        if options.reference_tables is not None and (
            options.kinds is None or "row" in options.kinds
        ):
            snapshot.data = _read_data(query, catalog, snapshot, options)
    return snapshot


def read_tables(query: QueryRunner) -> dict[str, TableInfo]:
    """Every user table's columns and keys (what writing or reading its rows needs)."""
    with _qualified_names(query) as (version_num, _version):
        return read_catalog(query, version_num).tables


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
    tables: dict[str, TableInfo] = {
        name: info
        for name, info in catalog.tables.items()
        if snapshot.get("table", name) is not None and info.kind == "r"
    }
    chosen = sorted(
        name
        for name, info in tables.items()
        if info.has_storage
        and matches(name, patterns)
        and (options.scope is None or name in options.scope)
    )
    keys = {name: natural_key(info, options.natural_keys) for name, info in tables.items()}
    return read_rows(query, tables, chosen, {n: keys[n] for n in chosen})


@contextmanager
def _qualified_names(query: QueryRunner) -> Iterator[tuple[int, str]]:
    """Run with an empty search_path so deparsed names are schema-qualified whatever the
    connection's own search_path (env.py may have set a tenant's), then put it back.
    Yields the server's version (number, text), read in the same round trip."""
    version_num, version, previous = query.fetchall(
        "SELECT current_setting('server_version_num')::int, current_setting('server_version'),"
        " current_setting('search_path')"
    )[0]
    query.fetchall("SELECT set_config('search_path', '', false)")
    try:
        yield int(version_num), str(version)
    finally:
        query.fetchall("SELECT set_config('search_path', %(path)s, false)", {"path": previous})
