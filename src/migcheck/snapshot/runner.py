"""One way to run catalog queries, whether the connection is psycopg's or env.py's SQLAlchemy one.

The snapshot code must read the replayed database through env.py's own connection too (inside
its transaction, e.g. to compare data inside a rolled-back savepoint), so it never touches a
driver directly: it only calls `fetchall`. Placeholders are psycopg's `%(name)s`; the snapshot
SQL contains no other `%`, so the SQLAlchemy adapter can translate them to `:name` safely.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Connection

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@runtime_checkable
class QueryRunner(Protocol):
    def fetchall(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement and return every row as a tuple."""
        ...


class PsycopgRunner:
    """Reads through a psycopg connection (autocommit or not: statements here only read)."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection

    def fetchall(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []


class SqlAlchemyRunner:
    """Reads through a SQLAlchemy Connection, inside whatever transaction it is in."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def fetchall(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        if params is None:
            result = self.connection.exec_driver_sql(sql)
        else:
            result = self.connection.execute(text(_PLACEHOLDER.sub(r":\1", sql)), params)
        if not result.returns_rows:
            return []
        # asyncpg (an async env.py) returns the catalog's one-byte "char" as bytes
        chars = [i for i, c in enumerate(result.cursor.description or ()) if c[1] == _CHAR_OID]
        rows = [tuple(row) for row in result]
        return [_decoded(row, chars) for row in rows] if chars else rows


_CHAR_OID = 18  # pg_catalog."char"


def _decoded(row: tuple[Any, ...], columns: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in columns:
        if isinstance(values[i], bytes):
            values[i] = values[i].decode("ascii")
    return tuple(values)


def as_runner(connection: Any) -> QueryRunner:
    """The runner for a psycopg or SQLAlchemy connection (a runner is returned unchanged)."""
    if isinstance(connection, psycopg.Connection):
        return PsycopgRunner(connection)
    if isinstance(connection, Connection):
        return SqlAlchemyRunner(connection)
    if isinstance(connection, QueryRunner):
        return connection
    raise TypeError(f"cannot read a snapshot through {type(connection).__name__}")
