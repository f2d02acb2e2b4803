"""Load a plain-format SQL dump statement by statement, reporting failures as FILE:LINE.

Statements run in autocommit, as psql runs a dump. What a dump from another cluster or a newer
pg_dump may carry is tolerated, and only that: SET of a setting this server does not know
(`transaction_timeout` from pg_dump 17), ownership and grants naming roles that do not exist
here, and statements about the cluster rather than the database (CREATE DATABASE, roles).
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
from psycopg import pq

from migcheck.errors import InputError
from migcheck.reference.sqlfile import DumpFormatError, Meta, Statement, split

_HEADER = "-- PostgreSQL database dump"
_TRAILER = "-- PostgreSQL database dump complete"
_CLUSTER_LEVEL = re.compile(
    r"^(CREATE|ALTER|DROP)\s+(DATABASE|ROLE|USER|GROUP|TABLESPACE)\b|^COMMENT\s+ON\s+DATABASE\b",
    re.IGNORECASE,
)
# (statement pattern, SQLSTATEs that only mean "not applicable on this server")
_TOLERATED = (
    (re.compile(r"^(SET|RESET)\s", re.IGNORECASE), {"42704"}),
    (
        re.compile(
            r"^(ALTER\s.+\sOWNER\s+TO\s|GRANT\s|REVOKE\s|ALTER\s+DEFAULT\s+PRIVILEGES\s)",
            re.IGNORECASE | re.DOTALL,
        ),
        {"42704"},
    ),
    (re.compile(r"^COMMENT\s+ON\s+EXTENSION\s", re.IGNORECASE), {"42501"}),
    (re.compile(r"^CREATE\s+SCHEMA\s+public\s*;", re.IGNORECASE), {"42P06"}),
)
# First words a SQL dump can start with; anything else means the wrong file was passed.
_SQL_WORDS = frozenset(
    """ABORT ALTER ANALYZE BEGIN CALL CHECKPOINT CLUSTER COMMENT COMMIT COPY CREATE DELETE DO
    DROP END EXPLAIN GRANT IMPORT INSERT LOCK MERGE REFRESH REINDEX RESET REVOKE ROLLBACK
    SECURITY SELECT SET START TABLE TRUNCATE UPDATE VACUUM VALUES WITH""".split()  # noqa: SIM905
)
_EXTENSION = re.compile(r'extension "([^"]+)"|/([^/"]+)\.control')
_COPY_LINE = re.compile(r"\bline (\d+)")


def read_text(path: Path) -> str:
    """The dump's text, or one line saying why this file is no SQL dump."""
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise InputError(f"{path}: not a SQL dump or pg_dump archive (binary content)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not a SQL dump (not UTF-8 text)") from None
    _check_is_sql(path, text)
    _check_complete(path, text)
    return text


def _check_is_sql(path: Path, text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("--", "/*", "\\")):
            continue
        word = re.match(r"[A-Za-z]*", stripped).group().upper()  # type: ignore[union-attr]
        if word not in _SQL_WORDS:
            raise InputError(
                f"{path}:{number}: not a SQL dump (starts with {stripped[:30]!r}); pass a "
                "pg_dump file (plain or custom format) or a postgresql:// URL"
            )
        return
    raise InputError(f"{path}: holds no SQL statement; is it the right file?")


def _check_complete(path: Path, text: str) -> None:
    """pg_dump ends every file with a trailer: without it, the file was cut short."""
    if text.lstrip("-\n ").startswith(_HEADER[3:]) and _TRAILER not in text[-4096:]:
        lines = text.count("\n") + 1
        raise InputError(
            f"{path}:{lines}: truncated: the file stops here, before pg_dump's closing "
            f"'{_TRAILER}' line; dump it again"
        )


def load_plain(path: Path, conninfo: str, server_label: str) -> None:
    """Run the dump at `path` against the (fresh) database at `conninfo`."""
    text = read_text(path)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            for item in split(text):
                if isinstance(item, Meta) or _CLUSTER_LEVEL.match(item.text):
                    continue
                _run(conn, item, path, server_label)
        except DumpFormatError as exc:
            raise InputError(f"{path}:{exc.line}: {exc}") from None


def _run(conn: psycopg.Connection, statement: Statement, path: Path, server_label: str) -> None:
    tolerated = next((codes for p, codes in _TOLERATED if p.match(statement.text)), set())
    guarded = bool(tolerated) and conn.info.transaction_status == pq.TransactionStatus.INTRANS
    try:
        if guarded:
            conn.execute("SAVEPOINT migcheck_load")
        if statement.copy_rows is None:
            conn.execute(statement.text)
        else:
            _copy(conn, statement)
        if guarded:
            conn.execute("RELEASE SAVEPOINT migcheck_load")
    except psycopg.Error as exc:
        if exc.sqlstate in tolerated:
            if guarded:
                conn.execute("ROLLBACK TO SAVEPOINT migcheck_load")
            return
        raise InputError(_describe(exc, statement, path, server_label)) from None


def _copy(conn: psycopg.Connection, statement: Statement) -> None:
    rows = statement.copy_rows or []
    with conn.cursor() as cursor, cursor.copy(statement.text) as copy:
        for start in range(0, len(rows), 2000):
            copy.write("".join(rows[start : start + 2000]).encode("utf-8"))


def _describe(exc: psycopg.Error, statement: Statement, path: Path, server_label: str) -> str:
    message = (exc.diag.message_primary or str(exc)).strip().splitlines()[0]
    line = statement.line
    if statement.copy_rows is not None:
        row = _COPY_LINE.search(exc.diag.context or "")
        if row:
            line = statement.rows_line + int(row.group(1)) - 1
    extension = _EXTENSION.search(message) if exc.sqlstate in ("0A000", "58P01") else None
    if extension and re.match(r"^CREATE\s+EXTENSION", statement.text, re.IGNORECASE):
        name = extension.group(1) or extension.group(2)
        return (
            f'{path}:{line}: the dump needs extension "{name}", which {server_label} does not '
            "have; install it there or pick a server that has it (--server)"
        )
    return f"{path}:{line}: {message}"
