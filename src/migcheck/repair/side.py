"""One side of a comparison (the reference or the replay) as repair reads it: its snapshot,
and its live database for what a snapshot does not keep (function sources, reflected tables
for Alembic's operations, pretty view definitions)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import psycopg
import sqlalchemy as sa
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS
from sqlalchemy.dialects import postgresql
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import conv

from migcheck.snapshot import PsycopgRunner, Snapshot, read_tables
from migcheck.snapshot.catalog import TableInfo


class Side:
    """`connection` may be None when only the snapshot is needed (drops, renames)."""

    def __init__(self, connection: psycopg.Connection | None, snapshot: Snapshot) -> None:
        self.connection = connection
        self.snapshot = snapshot
        self._engine: sa.Engine | None = None
        self._metadata = sa.MetaData()
        self._tidied: set[str] = set()
        self.table_info = cache(self._table_info)

    def value(self, sql: str, *params: Any) -> Any:
        assert self.connection is not None
        row = self.connection.execute(sql, params).fetchone()  # type: ignore[arg-type]
        return row[0] if row else None

    @staticmethod
    def quote(qualified: str) -> str:
        """`schema.name` quoted where PostgreSQL needs it, as quote_ident does."""
        parts = qualified.split(".", 1) if "." in qualified else [qualified]
        return ".".join(quote_ident(p) for p in parts)

    def _table_info(self) -> dict[str, TableInfo]:
        assert self.connection is not None
        return read_tables(PsycopgRunner(self.connection))

    def table(self, qualified: str) -> sa.Table:
        """The table as SQLAlchemy reflects it, tidied for rendering as Alembic operations.
        Tables of the default schema (public) are reflected without one, as models name them."""
        schema, name = qualified.split(".", 1)
        schema_arg = None if schema == DEFAULT_SCHEMA else schema
        key = name if schema_arg is None else qualified
        if key not in self._metadata.tables:
            sa.Table(name, self._metadata, schema=schema_arg, autoload_with=self.engine())
            for table in self._metadata.tables.values():  # FK parents come along
                if table.key not in self._tidied:
                    tidy(table)
                    self._tidied.add(table.key)
        return self._metadata.tables[key]

    def engine(self) -> sa.Engine:
        if self._engine is None:
            connection = self.connection
            assert connection is not None
            self._engine = sa.create_engine(
                "postgresql+psycopg://", creator=lambda: connection, poolclass=StaticPool
            )
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose(close=False)  # the connection is the caller's


DEFAULT_SCHEMA = "public"
_SAFE = re.compile(r"[a-z_][a-z0-9_]*")
_KEYWORDS = RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS


def quote_ident(name: str) -> str:
    """PostgreSQL's quote_ident: quoted unless lower-case, plain and no (non-unreserved)
    keyword."""
    if _SAFE.fullmatch(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def tidy(table: sa.Table) -> None:
    """Reflection spells out every default; a revision written by hand does not: generic
    types where they compile the same (String, not VARCHAR), no autoincrement=False, no
    empty dialect options, and enum types never created by the table (they are their own
    objects, created or kept separately). Names are final (`op.f`), as autogenerate writes
    them, so a naming convention in the project's metadata does not rename them again."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for column in table.columns:
        column.autoincrement = "auto"
        column.type = _generic(column.type, dialect)
        identity = column.identity
        if identity is not None and _default_identity(identity, column.type):
            column.server_default = sa.Identity(always=identity.always)
    for item in [table, *table.constraints, *table.indexes]:
        for name, value in list(item.dialect_kwargs.items()):
            if value in ([], False, None, {}):
                del item.dialect_kwargs[name]
        if not isinstance(item, sa.Table) and isinstance(item.name, str):
            item.name = conv(item.name)  # final: the project's naming convention must not apply


_MAXIMUM = {sa.SmallInteger: 32767, sa.BigInteger: 9223372036854775807, sa.Integer: 2147483647}


def _default_identity(identity: sa.Identity, type_: Any) -> bool:
    """Every sequence option as PostgreSQL would pick it for this column type."""
    maximum = next((m for t, m in _MAXIMUM.items() if isinstance(type_, t)), None)
    options = (identity.start, identity.increment, identity.minvalue, identity.cache)
    return (
        all(o in (None, 1) for o in options)
        and identity.maxvalue in (None, maximum)
        and not identity.cycle
    )


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
