"""One way to run catalog queries, whether the connection is psycopg's or env.py's SQLAlchemy one.

The snapshot code must read the replayed database through env.py's own connection too (inside
its transaction, e.g. to compare data inside a rolled-back savepoint), so it never touches a
driver directly: it only calls `fetchall`. Placeholders are psycopg's `%(name)s`; the snapshot
SQL contains no other `%`, so the SQLAlchemy adapter can translate them to `:name` safely.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

import psycopg
from psycopg import sql as pgsql
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

    @functools.cached_property
    def server_statements(self) -> ServerStatements | None:
        return ServerStatements.of(self.connection)

    def fetchall(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        if self.server_statements is not None and params is not None:
            rows = self.server_statements.fetchall(sql, params)
            if rows is not None:
                return rows
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
_CAST_PLACEHOLDER = re.compile(r"CAST\(%\((\w+)\)s AS ([\w\[\]]+)\)")


class ServerStatements:
    """Our catalog queries as named server-side prepared statements on env.py's psycopg
    connection.

    The stairway reads the catalog after every step, on the connection that just ran DDL.
    psycopg forgets every statement it prepared (DEALLOCATE ALL) each time it sees an ALTER,
    DROP or ROLLBACK go by, so its automatic preparing never survives a step, and planning
    the catalog queries anew costs more than running them. PostgreSQL itself keeps a
    prepared generic plan valid across DDL, so we PREPARE and EXECUTE ours by name, past
    psycopg's cache. Which of ours exist is asked at the start of every read (`reading`: a
    DISCARD ALL or DEALLOCATE ALL in between is noticed); until `sync` is called, or for a
    query whose placeholders are not all `CAST(%(name)s AS type)`, the plain path is used.
    """

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection
        self.existing: set[str] | None = None  # None: not known, do not use

    @classmethod
    def of(cls, connection: Connection) -> ServerStatements | None:
        """For env.py's connection when its driver is psycopg 3 (sync); None otherwise."""
        dbapi = connection.connection.dbapi_connection
        return cls(dbapi) if isinstance(dbapi, psycopg.Connection) else None

    def sync(self, existing: Iterable[str] | None) -> None:
        """Our statement names that exist on the server now (None: stop using them)."""
        self.existing = None if existing is None else set(existing)

    def fetchall(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]] | None:
        """The rows, or None when this query cannot go this way."""
        form = _prepared_form(sql)
        if self.existing is None or form is None:
            return None
        name, numbered, casts = form
        with self.connection.cursor() as cursor:
            if name not in self.existing:
                cursor.execute(f"PREPARE {name} AS {numbered}", prepare=False)
                self.existing.add(name)
            # EXECUTE's arguments cannot be bound parameters: literals, quoted by psycopg
            arguments = pgsql.SQL(", ").join(
                pgsql.SQL("CAST({} AS {})").format(pgsql.Literal(params[p]), pgsql.SQL(t))
                for p, t in casts
            )
            execute = pgsql.SQL("EXECUTE {}({})" if casts else "EXECUTE {}").format(
                pgsql.Identifier(name), arguments
            )
            cursor.execute(execute, prepare=False)
            return list(cursor.fetchall()) if cursor.description else []


@functools.cache
def _prepared_form(sql: str) -> tuple[str, str, list[tuple[str, str]]] | None:
    """(statement name, SQL with $n, the (placeholder, type) of each $n) for a query whose
    placeholders are all `CAST(%(name)s AS type)`; None for another. Worked out once per
    query text: the same few texts run after every step."""
    casts = list(dict.fromkeys(_CAST_PLACEHOLDER.findall(sql)))
    if len(_PLACEHOLDER.findall(sql)) != len(_CAST_PLACEHOLDER.findall(sql)):
        return None
    numbered = _CAST_PLACEHOLDER.sub(
        lambda m: f"CAST(${casts.index((m[1], m[2])) + 1} AS {m[2]})", sql
    )
    return PREPARED_PREFIX + hashlib.sha1(sql.encode()).hexdigest()[:20], numbered, casts


PREPARED_PREFIX = "migcheck_"


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
