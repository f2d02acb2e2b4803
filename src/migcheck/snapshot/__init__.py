"""Snapshot: a database's schema and reference data as one normalised, JSON-ready model.

The same code reads the replayed database and the reference, through psycopg or through
env.py's SQLAlchemy connection (see runner.py), so the two sides are always compared like
with like.
"""

from migcheck.snapshot.model import KINDS, DbObject, ObjectKey, Snapshot, TableRows
from migcheck.snapshot.runner import (
    PsycopgRunner,
    QueryRunner,
    SqlAlchemyRunner,
    as_runner,
)
from migcheck.snapshot.take import (
    ALL_TABLES,
    SnapshotOptions,
    matches,
    read_tables,
    take_snapshot,
)

__all__ = [
    "ALL_TABLES",
    "KINDS",
    "DbObject",
    "ObjectKey",
    "PsycopgRunner",
    "QueryRunner",
    "Snapshot",
    "SnapshotOptions",
    "SqlAlchemyRunner",
    "TableRows",
    "as_runner",
    "matches",
    "read_tables",
    "take_snapshot",
]
