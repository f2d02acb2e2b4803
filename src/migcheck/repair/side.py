"""One side of a comparison (the reference or the replay) as repair reads it: its snapshot,
and its live database for what a snapshot does not keep (function sources, reflected tables
for Alembic's operations, pretty view definitions)."""

from __future__ import annotations

from functools import cache
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.pool import StaticPool

from migcheck.snapshot import PsycopgRunner, Snapshot, read_tables
from migcheck.snapshot.catalog import TableInfo


class Side:
    def __init__(self, connection: psycopg.Connection, snapshot: Snapshot) -> None:
        self.connection = connection
        self.snapshot = snapshot
        self._engine: sa.Engine | None = None
        self._metadata = sa.MetaData()
        self.quote = cache(self._quote)
        self.table_info = cache(self._table_info)

    def value(self, sql: str, *params: Any) -> Any:
        row = self.connection.execute(sql, params).fetchone()  # type: ignore[arg-type]
        return row[0] if row else None

    def _quote(self, qualified: str) -> str:
        """`schema.name` quoted where PostgreSQL needs it (keywords, capitals, dots)."""
        parts = qualified.split(".", 1) if "." in qualified else [qualified]
        return str(
            self.value(
                "SELECT string_agg(quote_ident(p), '.' ORDER BY i)"
                " FROM unnest(%s::text[]) WITH ORDINALITY AS x(p, i)",
                parts,
            )
        )

    def _table_info(self) -> dict[str, TableInfo]:
        return read_tables(PsycopgRunner(self.connection))

    def table(self, qualified: str) -> sa.Table:
        """The table as SQLAlchemy reflects it, tidied for rendering as Alembic operations."""
        schema, name = qualified.split(".", 1)
        key = f"{schema}.{name}"
        if key not in self._metadata.tables:
            table = sa.Table(name, self._metadata, schema=schema, autoload_with=self.engine())
            tidy(table)
        return self._metadata.tables[key]

    def engine(self) -> sa.Engine:
        if self._engine is None:
            connection = self.connection
            self._engine = sa.create_engine(
                "postgresql+psycopg://", creator=lambda: connection, poolclass=StaticPool
            )
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose(close=False)  # the connection is the caller's


def tidy(table: sa.Table) -> None:
    """Reflection spells out every default; a revision written by hand does not: generic
    types where they compile the same (String, not VARCHAR), no autoincrement=False, no
    empty dialect options, and enum types never created by the table (they are their own
    objects, created or kept separately)."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for column in table.columns:
        column.autoincrement = "auto"
        column.type = _generic(column.type, dialect)
    for item in [*table.constraints, *table.indexes]:
        for name, value in list(item.dialect_kwargs.items()):
            if value in ([], False, None, {}):
                del item.dialect_kwargs[name]


def _generic(type_: Any, dialect: Any) -> Any:
    if isinstance(type_, postgresql.ENUM):
        type_.create_type = False
        return type_
    try:
        generic = type_.as_generic()
        same = generic.compile(dialect=dialect) == type_.compile(dialect=dialect)
    except (NotImplementedError, TypeError, sa.exc.CompileError):
        return type_
    return generic if same else type_
