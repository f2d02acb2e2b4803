"""Snapshots kept up to date step by step: read again only what changed since the last one.

The stairway needs the database's snapshot after every upgrade, downgrade and re-run. A full
read costs in proportion to the schema, so a history's cost would grow with the square of its
length. A TrackedSnapshot remembers, beside the snapshot, which catalog rows it was read from
(see changes.py); `advance` asks PostgreSQL what was written since, and reads just those
objects, the tables whose rows were written, and the tables whose rows render through theirs.
The result equals a full read (tests/snapshot/test_tracked.py checks them side by side).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

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
        reread: set[str] = set()
        key_tables: set[str] = set()
        if options.reference_tables is not None:  # rows are read: so are their neighbours
            changed |= written_tables(query) if written is None else set(written)
            reread, key_tables = related_tables(query, changed)
        if not changed:
            return TrackedSnapshot(base.snapshot, changes.index)
        scope = changed | reread
        scoped = dataclasses.replace(options, scope=sorted(scope), key_tables=sorted(key_tables))
        partial = read_snapshot(query, scoped, server)
    merged = Snapshot(
        objects={k: o for k, o in base.snapshot.objects.items() if o.scope not in scope},
        data={t: rows for t, rows in base.snapshot.data.items() if t not in scope},
        server_version=base.snapshot.server_version,
    )
    merged.objects.update(partial.objects)
    merged.data.update(partial.data)
    return TrackedSnapshot(merged, changes.index)
