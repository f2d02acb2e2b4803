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
Statement = tuple[str, dict[str, Any] | None]  # SQL with %(name)s placeholders, and their values


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

    def fetch_batch(self, statements: list[Statement]) -> list[list[tuple[Any, ...]]] | None:
        """Every statement's rows from one round trip, or None when this connection cannot
        batch (see fetch_each)."""
        if self.server_statements is None:
            return None
        return self.server_statements.fetch_batch(statements)

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

    psycopg's own automatic preparing is turned off on that connection: once it has prepared
    a statement (Alembic's version-table UPDATE, after five steps), the DEALLOCATE ALL it
    sends after the next DDL drops ours too, and each read would plan them again (a fifth
    of the reads at N=200). Migrations lose nothing by it: their statements rarely repeat.
    """

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection
        self.existing: set[str] | None = None  # None: not known, do not use

    @classmethod
    def of(cls, connection: Connection) -> ServerStatements | None:
        """For env.py's connection when its driver is psycopg 3 (sync); None otherwise."""
        dbapi = connection.connection.dbapi_connection
        if not isinstance(dbapi, psycopg.Connection):
            return None
        dbapi.prepare_threshold = None
        return cls(dbapi)

    def sync(self, existing: Iterable[str] | None) -> None:
        """Our statement names that exist on the server now (None: stop using them)."""
        self.existing = None if existing is None else set(existing)

    def fetchall(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]] | None:
        """The rows, or None when this query cannot go this way."""
        batch = self.fetch_batch([(sql, params)])
        return None if batch is None else batch[0]

    def fetch_batch(self, statements: list[Statement]) -> list[list[tuple[Any, ...]]] | None:
        """Each statement's rows, all sent as one multi-statement query (no parameters: the
        arguments are literals), or None when one of them cannot go this way. A statement
        without parameters is sent as it is, the others are EXECUTEd (PREPAREd first when
        new)."""
        forms = [_prepared_form(sql) if params is not None else None for sql, params in statements]
        if self.existing is None or any(
            form is None and params is not None
            for form, (_, params) in zip(forms, statements, strict=True)
        ):
            return None
        parts: list[pgsql.Composable] = []
        for form, (sql, params) in zip(forms, statements, strict=True):
            if form is None:
                parts.append(pgsql.SQL(sql))
                continue
            name, numbered, casts = form
            if name not in self.existing:
                parts.append(pgsql.SQL("PREPARE {} AS ").format(pgsql.Identifier(name)))
                parts[-1] += pgsql.SQL(numbered)
                self.existing.add(name)
            parts.append(_execute(name, casts, params or {}))
        try:
            return _results(self.connection, pgsql.SQL(";\n").join(parts))
        except BaseException:
            self.existing = None  # which PREPAREs ran is not known: ask again next time
            raise


def _execute(name: str, casts: list[tuple[str, str]], params: dict[str, Any]) -> pgsql.Composed:
    """EXECUTE name(arguments): they cannot be bound parameters, so literals, quoted by
    psycopg."""
    arguments = pgsql.SQL(", ").join(
        pgsql.SQL("CAST({} AS {})").format(pgsql.Literal(params[p]), pgsql.SQL(t)) for p, t in casts
    )
    template = "EXECUTE {}({})" if casts else "EXECUTE {}"
    return pgsql.SQL(template).format(pgsql.Identifier(name), arguments)


def _results(connection: psycopg.Connection, batch: pgsql.Composed) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement of `batch` that returns rows (PREPARE returns none)."""
    results = []
    with connection.cursor() as cursor:
        cursor.execute(batch, prepare=False)
        while True:
            if cursor.description is not None:
                results.append(list(cursor.fetchall()))
            if not cursor.nextset():
                return results


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


def fetch_each(query: QueryRunner, statements: list[Statement]) -> list[list[tuple[Any, ...]]]:
    """Each statement's rows: in one round trip where the runner can batch them (env.py's
    psycopg connection, see ServerStatements), else one after the other. Every statement
    must return rows (a result set, even an empty one)."""
    if not statements:
        return []
    batch = getattr(query, "fetch_batch", None)
    rows = batch(statements) if batch is not None else None
    if rows is not None:
        return rows
    return [query.fetchall(sql, params) for sql, params in statements]


def as_runner(connection: Any) -> QueryRunner:
    """The runner for a psycopg or SQLAlchemy connection (a runner is returned unchanged)."""
    if isinstance(connection, psycopg.Connection):
        return PsycopgRunner(connection)
    if isinstance(connection, Connection):
        return SqlAlchemyRunner(connection)
    if isinstance(connection, QueryRunner):
        return connection
    raise TypeError(f"cannot read a snapshot through {type(connection).__name__}")
