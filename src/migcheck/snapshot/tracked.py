"""Snapshots kept up to date step by step: read again only what changed since the last one.

The stairway needs the database's snapshot after every upgrade, downgrade and re-run. A full
read costs in proportion to the schema, so a history's cost would grow with the square of its
length. A TrackedSnapshot remembers, beside the snapshot, which catalog rows it was read from
(see changes.py); `advance` asks PostgreSQL what was written since, and reads just those
objects, the tables whose rows were written, and the tables whose rows render through theirs;
and of those only the kinds of object that the changed catalog rows can alter (a new index
is not a reason to read the table's triggers), and rows only where they can read differently.
The result equals a full read (tests/snapshot/test_tracked.py checks them side by side).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from migcheck.snapshot.catalog import kinds_read
from migcheck.snapshot.changes import (
    CatalogIndex,
    changes_since,
    index_catalog,
    related_tables,
    written_tables,
)
from migcheck.snapshot.model import Snapshot
from migcheck.snapshot.runner import QueryRunner
from migcheck.snapshot.take import SnapshotOptions, read_snapshot, reading


@dataclass
class TrackedSnapshot:
    snapshot: Snapshot
    index: CatalogIndex


def track(query: QueryRunner, options: SnapshotOptions) -> TrackedSnapshot:
    """A full snapshot, and the index that later `advance` calls start from."""
    with reading(query) as server:
        index = index_catalog(query)  # first: what is written while reading counts as new
        return TrackedSnapshot(read_snapshot(query, options, server), index)


def advance(
    query: QueryRunner,
    base: TrackedSnapshot,
    options: SnapshotOptions,
    written: Iterable[str] | None = None,
) -> TrackedSnapshot:
    """The snapshot as of now, read again only where it may differ from `base`.

    `written` are the tables whose rows changed since `base`, when the caller knows them (a
    step that has committed since, counted in its own transaction); None asks PostgreSQL
    what this transaction wrote.
    """
    with reading(query) as server:
        changes = changes_since(query, base.index)
        if changes.scopes is None:
            return TrackedSnapshot(read_snapshot(query, options, server), changes.index)
        changed = set(changes.scopes)
        kinds = changes.kinds
        if options.kinds is not None:
            kinds = set(options.kinds) if kinds is None else kinds & set(options.kinds)
        reread: set[str] = set()
        key_tables: set[str] = set()
        if options.reference_tables is not None:  # rows are read: so are their neighbours
            rows_written = written_tables(query) if written is None else set(written)
            changed |= rows_written
            kinds, reread, key_tables = _rows_to_read(
                query, base.snapshot, changed, rows_written, kinds
            )
        if not changed:
            return TrackedSnapshot(base.snapshot, changes.index)
        scope = changed | reread
        scoped = dataclasses.replace(
            options,
            scope=sorted(scope),
            key_tables=sorted(key_tables),
            kinds=None if kinds is None else sorted(kinds),
        )
        partial = read_snapshot(query, scoped, server)
    return TrackedSnapshot(_merged(base.snapshot, partial, scope, kinds), changes.index)


# Changes to these kinds change how a table's rows read (their columns, natural key, the
# foreign keys shown through parents), or whether the table is there at all.
_SHAPE_ROWS = {"table", "column", "constraint", "index"}


def _rows_to_read(
    query: QueryRunner,
    base: Snapshot,
    changed: set[str],
    written: set[str],
    kinds: set[str] | None,
) -> tuple[set[str] | None, set[str], set[str]]:
    """(`kinds`, with "row" when rows must be read again; child tables to read again; tables
    whose keys reading rows needs). Rows are read again where they were `written`, and where
    a table holding rows, or a parent of one, changed shape; children of either render
    through them."""
    reshaped = changed if kinds is None or kinds & _SHAPE_ROWS else written
    reread, key_tables = related_tables(query, reshaped)
    if kinds is None or written or any(t in base.data for t in reshaped | reread):
        return (None if kinds is None else kinds | {"row"}), reread, key_tables
    return kinds, set(), set()


def _merged(base: Snapshot, partial: Snapshot, scope: set[str], kinds: set[str] | None) -> Snapshot:
    """`base` with what `partial` read in `scope` (only `kinds` of it; None: everything)."""
    replaced = None if kinds is None else kinds_read(kinds)
    rows_read = kinds is None or "row" in kinds
    merged = Snapshot(
        objects={
            k: o
            for k, o in base.objects.items()
            if o.scope not in scope or (replaced is not None and o.kind not in replaced)
        },
        data={t: r for t, r in base.data.items() if t not in scope or not rows_read},
        server_version=base.server_version,
    )
    merged.objects.update(partial.objects)
    merged.data.update(partial.data)
    return merged
