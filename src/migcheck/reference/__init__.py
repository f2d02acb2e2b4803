"""Reference sources: what the replay is compared with.

A plain SQL dump or a pg_dump archive is loaded into a fresh database on the replay's own
server, so both sides are read by the same server version and the same snapshot code (a dump
from a newer pg_dump still compares like with like). A postgresql:// URL (e.g. staging) is
read in place, through a read-only session, and never created or dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from migcheck.errors import InputError
from migcheck.reference.archive import is_archive, restore_archive
from migcheck.reference.plain import load_plain
from migcheck.server.base import Server

_URL_PREFIXES = ("postgresql://", "postgres://", "postgresql+")


@dataclass
class Reference:
    """An open reference: `connection` is autocommit (and read-only for a URL)."""

    source: str  # as the user gave it; a URL's password is hidden
    kind: str  # "sql" | "archive" | "url"
    connection: psycopg.Connection

    @property
    def is_copy(self) -> bool:
        """A throwaway copy (a loaded dump) may be read in full; a live database may not."""
        return self.kind != "url"


def is_url(source: str) -> bool:
    return source.startswith(_URL_PREFIXES)


@contextmanager
def open_reference(source: str, server: Server, name: str = "reference") -> Iterator[Reference]:
    """Load (or reach) the reference; whatever was created for it is gone after the block."""
    if is_url(source):
        with _live(source) as reference:
            yield reference
        return
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file; pass a pg_dump file or a postgresql:// URL")
    kind = "archive" if is_archive(path) else "sql"
    database = server.create_database(name)
    try:
        if kind == "archive":
            restore_archive(path, server, database)
        else:
            load_plain(path, server.conninfo(database), server.describe())
        with psycopg.connect(server.conninfo(database), autocommit=True) as connection:
            yield Reference(source, kind, connection)
    finally:
        server.drop_database(database)


@contextmanager
def _live(source: str) -> Iterator[Reference]:
    try:
        url = make_url(source.replace("postgres://", "postgresql://", 1))
    except ArgumentError:
        raise InputError(f"{source!r} is not a database URL") from None
    label = url.render_as_string(hide_password=True)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = psycopg.connect(
            conninfo,
            autocommit=True,
            connect_timeout=10,
            options="-c default_transaction_read_only=on",
        )
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"reference {label}: cannot connect ({first})") from None
    with connection:
        yield Reference(label, "url", connection)
