"""Turn an exception raised by a revision into a classified Failure with one human line.

Works with psycopg 3, psycopg2 and asyncpg (through SQLAlchemy's adaptation): each exposes the
SQLSTATE and the server's diagnostics under different names.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import DBAPIError, StatementError

from migcheck.model import Failure, FailureKind

_BY_SQLSTATE: dict[str, FailureKind] = {
    "23503": FailureKind.FOREIGN_KEY_VIOLATION,
    "23505": FailureKind.UNIQUE_VIOLATION,
    "23502": FailureKind.NOT_NULL_VIOLATION,
    "23514": FailureKind.CHECK_VIOLATION,
    "42P01": FailureKind.MISSING_OBJECT,
    "42703": FailureKind.MISSING_OBJECT,
    "42704": FailureKind.MISSING_OBJECT,
    "42883": FailureKind.MISSING_OBJECT,
    "3F000": FailureKind.MISSING_OBJECT,
    "42P07": FailureKind.DUPLICATE_OBJECT,
    "42701": FailureKind.DUPLICATE_OBJECT,
    "42710": FailureKind.DUPLICATE_OBJECT,
    "42P06": FailureKind.DUPLICATE_OBJECT,
    "42723": FailureKind.DUPLICATE_OBJECT,
    "42P04": FailureKind.DUPLICATE_OBJECT,
    "42601": FailureKind.SYNTAX_ERROR,
    "57014": FailureKind.TIMEOUT,
    "55P03": FailureKind.TIMEOUT,
    "2BP01": FailureKind.DEPENDENT_OBJECTS,
}

_LABELS: dict[FailureKind, str] = {
    FailureKind.FOREIGN_KEY_VIOLATION: "foreign-key violation",
    FailureKind.UNIQUE_VIOLATION: "unique violation",
    FailureKind.NOT_NULL_VIOLATION: "not-null violation",
    FailureKind.CHECK_VIOLATION: "check violation",
    FailureKind.MISSING_OBJECT: "missing object",
    FailureKind.DUPLICATE_OBJECT: "duplicate object",
    FailureKind.SYNTAX_ERROR: "SQL syntax error",
    FailureKind.TIMEOUT: "timeout",
    FailureKind.DEPENDENT_OBJECTS: "other objects depend on it",
    FailureKind.PYTHON_ERROR: "Python error in the revision",
    FailureKind.IRREVERSIBLE: "irreversible on purpose",
    FailureKind.DATABASE_ERROR: "database error",
}

# (our field, psycopg3 diag attribute, asyncpg attribute)
_DIAG_FIELDS = (
    ("message", "message_primary", "message"),
    ("detail", "message_detail", "detail"),
    ("hint", "message_hint", "hint"),
    ("schema", "schema_name", "schema_name"),
    ("table", "table_name", "table_name"),
    ("column", "column_name", "column_name"),
    ("constraint", "constraint_name", "constraint_name"),
)


def _driver_errors(exc: BaseException) -> Iterable[BaseException]:
    """The DBAPI exception and what it wraps (asyncpg's adapted errors chain the original)."""
    seen: set[int] = set()
    current: BaseException | None = exc.orig if isinstance(exc, DBAPIError) else exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or getattr(current, "orig", None)


def _diagnostics(exc: BaseException) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for err in _driver_errors(exc):
        found.setdefault("sqlstate", getattr(err, "sqlstate", None) or getattr(err, "pgcode", None))
        diag = getattr(err, "diag", None)
        for ours, psycopg_name, asyncpg_name in _DIAG_FIELDS:
            value = getattr(diag, psycopg_name, None) if diag is not None else None
            if value is None:
                candidate = getattr(err, asyncpg_name, None)
                value = candidate if isinstance(candidate, str) else None
            if value and not found.get(ours):
                found[ours] = value
    return {k: v for k, v in found.items() if v}


def revision_line(exc: BaseException, revision_files: frozenset[str]) -> int | None:
    """Line of the innermost traceback frame inside a revision file."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename in revision_files:
            line = lineno
    return line


def classify(
    exc: BaseException,
    *,
    statement: str | None,
    path: str,
    line: int | None,
    direction: str,
) -> Failure:
    """A Failure for `exc`, raised while running `direction` of the revision at `path`."""
    if isinstance(exc, NotImplementedError) and direction == "downgrade":
        message = str(exc) or "downgrade raises NotImplementedError"
        return _without_server(FailureKind.IRREVERSIBLE, message, exc, path, line)
    diag = _diagnostics(exc)
    if not isinstance(exc, (DBAPIError, StatementError)) and not diag.get("sqlstate"):
        message = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        return _without_server(FailureKind.PYTHON_ERROR, message, exc, path, line)
    sqlstate = diag.get("sqlstate")
    driver_error = getattr(exc, "orig", None) or exc
    failure = Failure(
        kind=_BY_SQLSTATE.get(str(sqlstate), FailureKind.DATABASE_ERROR),
        summary="",
        message=diag.get("message") or str(driver_error).strip().splitlines()[0],
        sqlstate=sqlstate,
        detail=diag.get("detail"),
        hint=diag.get("hint"),
        schema=diag.get("schema"),
        table=diag.get("table"),
        column=diag.get("column"),
        constraint=diag.get("constraint"),
        statement=statement or getattr(exc, "statement", None),
        path=path,
        line=line,
        exception=type(driver_error).__name__,
    )
    failure.summary = _summary(failure)
    return failure


def _without_server(
    kind: FailureKind, message: str, exc: BaseException, path: str, line: int | None
) -> Failure:
    """A failure raised in Python, not by the server: no SQLSTATE or diagnostics."""
    return Failure(
        kind=kind,
        summary=f"{_LABELS[kind]}: {message}",
        message=message,
        path=path,
        line=line,
        exception=type(exc).__name__,
    )


def _summary(f: Failure) -> str:
    label = _LABELS[f.kind]
    table = ".".join(p for p in (f.schema, f.table) if p)
    if f.kind is FailureKind.FOREIGN_KEY_VIOLATION:
        text = f"{label}: row in {table or 'a table'} references a missing parent"
        if f.constraint:
            text += f" ({f.constraint})"
        return f"{text}: {f.detail}" if f.detail else text
    if f.kind in (
        FailureKind.UNIQUE_VIOLATION,
        FailureKind.NOT_NULL_VIOLATION,
        FailureKind.CHECK_VIOLATION,
    ):
        where = f" on {table}" if table else ""
        extra = f": {f.detail}" if f.detail else ""
        return f"{label}{where}: {f.message}{extra}"
    if f.kind is FailureKind.TIMEOUT:
        return f"{label}: {f.message} (raise statement_timeout / lock_timeout if this is slow)"
    return f"{label}: {f.message}"
