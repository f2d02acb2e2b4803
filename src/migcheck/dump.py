"""Write a reference dump from a replayed database: deterministic, so it is regenerated, never
hand-edited, and two runs give the same bytes.

The schema comes from pg_dump (--no-owner --no-privileges), in its pre-data and post-data
sections; the data section in between is ours, because pg_dump writes rows in physical order,
which is not stable: each table's rows are written ordered by primary key (else by every
column's text), as `COPY ... FROM stdin`, followed by every sequence's position. Lines that
vary between runs or machines are dropped: the random `\\restrict` key of recent pg_dump
versions and the "Dumped from/by version" comments. alembic_version's row is always included,
so a database loaded from the dump is stamped at the head it was made from.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from migcheck.errors import InfrastructureError, InputError
from migcheck.reference.tools import client_program, libpq_environment
from migcheck.server.base import Server
from migcheck.snapshot import PsycopgRunner, matches, read_tables
from migcheck.snapshot.catalog import TableInfo

TRAILER = "--\n-- PostgreSQL database dump complete\n--\n"
_VARYING = re.compile(
    r"^(\\(un)?restrict .*|-- Dumped (from database|by pg_dump) version .*)\n\n?", re.M
)
_FIRST_ENTRY = "--\n-- Name: "
VERSION_TABLE = "alembic_version"


def render_reference(
    server: Server, database: str, data: list[str] | None = None, note: str = ""
) -> str:
    """The reference text for `database`; `data` names the tables whose rows it carries
    (patterns allowed), None meaning every table holding rows."""
    pre = _pg_dump(server, database, "pre-data")
    post = _pg_dump(server, database, "post-data")
    with psycopg.connect(server.conninfo(database), autocommit=True) as connection:
        tables = read_tables(PsycopgRunner(connection))
        chosen = _data_tables(tables, data)
        data_section = "".join(_copy_block(connection, tables[name]) for name in chosen)
        data_section += _sequence_positions(connection)
    head = pre[: pre.rindex(TRAILER)]
    if note:
        head = head.replace("\nSET ", f"\n-- {note}\n\nSET ", 1)
    body = post[post.index(_FIRST_ENTRY) : post.rindex(TRAILER)] if _FIRST_ENTRY in post else ""
    return head + data_section + body + TRAILER


def write_reference(path: Path, text: str) -> None:
    """Replace `path` atomically: a half-written reference must never be left behind."""
    staging = path.with_name(f".{path.name}.migcheck-tmp")
    try:
        staging.write_text(text, encoding="utf-8")
        staging.replace(path)
    except OSError as exc:
        staging.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write ({exc.strerror})") from None


def _pg_dump(server: Server, database: str, section: str) -> str:
    program = client_program(server, "pg_dump")
    result = subprocess.run(
        [str(program), "--no-owner", "--no-privileges", f"--section={section}", database],
        env=libpq_environment(server, database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise InfrastructureError(f"{program} failed: {last}")
    return _VARYING.sub("", result.stdout)


def _data_tables(tables: dict[str, TableInfo], data: list[str] | None) -> list[str]:
    plain = {n: t for n, t in tables.items() if t.kind == "r"}
    if data is None:
        chosen = {n for n, t in plain.items() if t.has_storage}
    else:
        chosen = set()
        for pattern in data:
            hits = {n for n in plain if matches(n, [pattern])}
            if not hits:
                raise InputError(f"--data {pattern}: no such table after the replay")
            chosen |= hits
    chosen |= {n for n in plain if n.rsplit(".", 1)[-1] == VERSION_TABLE}
    return sorted(chosen)


def _copy_block(connection: psycopg.Connection, table: TableInfo) -> str:
    schema, name = table.name.split(".", 1)
    columns = [c.name for c in table.columns if not c.generated]
    order = [sql.Identifier(c) for c in table.primary_key] or [
        sql.SQL('{}::text COLLATE "C"').format(sql.Identifier(c)) for c in columns
    ]
    query = sql.SQL("COPY (SELECT {} FROM ONLY {} ORDER BY {}) TO STDOUT").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.Identifier(schema, name),
        sql.SQL(", ").join(order),
    )
    with connection.cursor() as cursor, cursor.copy(query) as copy:
        rows = b"".join(bytes(chunk) for chunk in copy).decode("utf-8")
    quoted = _quote_names(connection, [schema, name, *columns])
    return (
        f"--\n-- Data for Name: {name}; Type: TABLE DATA; Schema: {schema}; Owner: -\n--\n\n"
        f"COPY {quoted[0]}.{quoted[1]} ({', '.join(quoted[2:])}) FROM stdin;\n"
        f"{rows}\\.\n\n\n"
    )


def _quote_names(connection: psycopg.Connection, names: list[str]) -> list[str]:
    """Quoted the way pg_dump quotes them: only where needed (keywords, capitals, spaces)."""
    row = connection.execute(
        "SELECT array_agg(quote_ident(n) ORDER BY i) FROM unnest(%s::text[]) WITH ORDINALITY"
        " AS x(n, i)",
        [names],
    ).fetchone()
    return list(row[0]) if row else names


def _sequence_positions(connection: psycopg.Connection) -> str:
    rows = connection.execute(
        "SELECT schemaname, sequencename, quote_ident(schemaname) || '.' ||"
        " quote_ident(sequencename), COALESCE(last_value, start_value), last_value IS NOT NULL"
        " FROM pg_sequences WHERE schemaname !~ '^pg_' AND schemaname <> 'information_schema'"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.deptype = 'e'"
        " AND d.classid = 'pg_class'::regclass AND d.objid ="
        " (quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass)"
        " ORDER BY 1, 2"
    ).fetchall()
    return "".join(
        f"--\n-- Name: {name}; Type: SEQUENCE SET; Schema: {schema}; Owner: -\n--\n\n"
        f"SELECT pg_catalog.setval('{qualified.replace(chr(39), chr(39) * 2)}', {value}, "
        f"{'true' if called else 'false'});\n\n\n"
        for schema, name, qualified, value, called in rows
    )
