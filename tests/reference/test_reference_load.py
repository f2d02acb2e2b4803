"""Loading references: plain dumps (also from a newer pg_dump), archives and live URLs; bad
input ends in one line naming the file and line, and leaves no database behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from migcheck.errors import InputError
from migcheck.reference import open_reference
from migcheck.reference.tools import client_program, libpq_environment
from migcheck.snapshot import ALL_TABLES, PsycopgRunner, SnapshotOptions, take_snapshot

# What pg_dump 17.6+ writes, including what a 15 server does not know.
NEWER_DUMP = """\
--
-- PostgreSQL database dump
--

\\restrict Xo5eeEMMkkTAyGjBRNpYV5or6PN3y4NPzh7OydVovsPHNema6gFpWLQ3zyb5qAu

-- Dumped from database version 17.6
-- Dumped by pg_dump version 17.6

SET statement_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE DATABASE shop WITH TEMPLATE = template0 ENCODING = 'UTF8';
\\connect shop

CREATE SCHEMA product_attributes;
ALTER SCHEMA product_attributes OWNER TO shop_owner;

CREATE TABLE product_attributes.colors (
    id integer NOT NULL,
    name_en text NOT NULL,
    note text DEFAULT 'a; b'
);
ALTER TABLE product_attributes.colors OWNER TO shop_owner;
GRANT SELECT ON TABLE product_attributes.colors TO shop_reader;

CREATE FUNCTION product_attributes.shout(t text) RETURNS text
    LANGUAGE plpgsql
    AS $$
BEGIN
    RETURN upper(t) || ';';
END
$$;

COPY product_attributes.colors (id, name_en, note) FROM stdin;
1\tWhite\t\\N
2\tOff-white\tit's; fine
\\.

ALTER TABLE ONLY product_attributes.colors
    ADD CONSTRAINT colors_pkey PRIMARY KEY (id);

--
-- PostgreSQL database dump complete
--

\\unrestrict Xo5eeEMMkkTAyGjBRNpYV5or6PN3y4NPzh7OydVovsPHNema6gFpWLQ3zyb5qAu

"""


def write(tmp_path: Path, text: str | bytes, name: str = "dump.sql") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def reference_databases(server) -> list[str]:
    with server.admin() as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = %s",
            [server.database_name("reference")],
        ).fetchall()
    return [r[0] for r in rows]


def load_error(server, source: str | Path) -> str:
    with pytest.raises(InputError) as raised, open_reference(str(source), server):
        pass
    assert reference_databases(server) == []
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_dump_from_a_newer_pg_dump_loads_with_its_data(server, tmp_path):
    path = write(tmp_path, NEWER_DUMP)
    with open_reference(str(path), server) as reference:
        assert reference.kind == "sql"
        snapshot = take_snapshot(
            PsycopgRunner(reference.connection), SnapshotOptions(reference_tables=ALL_TABLES)
        )
    assert reference_databases(server) == []
    rows = snapshot.data["product_attributes.colors"].rows
    assert rows["id=2"] == {"id": "2", "name_en": "Off-white", "note": "it's; fine"}
    assert snapshot.get("column", "product_attributes.colors.note").attrs["default"] == (
        "'a; b'::text"
    )
    body = snapshot.get("function", "product_attributes.shout(text)").attrs["body"]
    assert "RETURN upper(t) || ';';" in body


def test_a_failing_statement_is_reported_with_file_and_line(server, tmp_path):
    path = write(
        tmp_path,
        "SET client_encoding = 'UTF8';\n\n"
        "CREATE TABLE t (\n  id int\n    REFERENCES nowhere (id)\n);\n",
    )
    assert load_error(server, path) == f'{path}:3: relation "nowhere" does not exist'


def test_bad_copy_data_is_reported_at_its_own_line(server, tmp_path):
    path = write(
        tmp_path, "CREATE TABLE t (id int);\nCOPY public.t (id) FROM stdin;\n1\nabc\n\\.\n"
    )
    assert load_error(server, path) == (f'{path}:4: invalid input syntax for type integer: "abc"')


def test_a_truncated_pg_dump_file(server, tmp_path):
    text = NEWER_DUMP[: NEWER_DUMP.index("ALTER TABLE ONLY")]
    path = write(tmp_path, text)
    assert load_error(server, path) == (
        f"{path}:{text.count(chr(10)) + 1}: truncated: the file stops here, before pg_dump's "
        "closing '-- PostgreSQL database dump complete' line; dump it again"
    )


def test_a_copy_block_without_its_end_marker(server, tmp_path):
    path = write(tmp_path, "CREATE TABLE t (id int);\nCOPY public.t (id) FROM stdin;\n1\n2\n")
    assert load_error(server, path) == (
        f"{path}:2: truncated: the COPY data starting here has no end marker (\\.)"
    )


def test_binary_junk_is_no_dump(server, tmp_path):
    path = write(tmp_path, bytes(range(256)) * 4, "junk.bin")
    assert load_error(server, path) == f"{path}: not a SQL dump or pg_dump archive (binary content)"


def test_a_python_file_is_no_dump(server, tmp_path):
    path = write(tmp_path, '"""env.py"""\nimport os\n\nprint(os.environ)\n', "env.py")
    assert load_error(server, path) == (
        f'{path}:1: not a SQL dump (starts with \'"""env.py"""\'); pass a pg_dump file '
        "(plain or custom format) or a postgresql:// URL"
    )


def test_a_missing_file(server, tmp_path):
    assert load_error(server, tmp_path / "nope.sql") == (
        f"{tmp_path / 'nope.sql'}: no such file; pass a pg_dump file or a postgresql:// URL"
    )


def test_an_extension_the_server_lacks_is_named_with_the_dump_line(server, tmp_path):
    path = write(
        tmp_path,
        "SET client_encoding = 'UTF8';\n\n"
        "CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;\n",
    )
    assert load_error(server, path) == (
        f'{path}:3: the dump needs extension "postgis", which {server.describe()} does not '
        "have; install it there or pick a server that has it (--server)"
    )


def test_an_unreachable_url_is_one_line_without_the_password(server):
    message = load_error(server, "postgresql://app:s3cret@127.0.0.1:1/shop")
    assert message.startswith("reference postgresql://app:***@127.0.0.1:1/shop: cannot connect (")
    assert "s3cret" not in message


def test_a_live_url_is_read_in_place_read_only(server, database):
    with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int)")
    url = server.url(database, "psycopg").render_as_string(hide_password=False)
    with open_reference(url, server) as reference:
        assert reference.kind == "url" and not reference.is_copy
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reference.connection.execute("INSERT INTO t VALUES (1)")
        assert take_snapshot(PsycopgRunner(reference.connection)).get("table", "public.t")
    with psycopg.connect(server.conninfo(database)) as conn:  # still there
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)


def custom_archive(server, database: str, target: Path) -> Path:
    subprocess.run(
        [str(client_program(server, "pg_dump")), "-Fc", "-f", str(target), database],
        env=libpq_environment(server, database),
        check=True,
    )
    return target


def test_a_custom_format_archive_is_restored(server, database, tmp_path):
    with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE sizes (code text PRIMARY KEY); INSERT INTO sizes VALUES ('S'), ('M')"
        )
        original = take_snapshot(PsycopgRunner(conn), SnapshotOptions(reference_tables=ALL_TABLES))
    archive = custom_archive(server, database, tmp_path / "ref.dump")
    with open_reference(str(archive), server) as reference:
        assert reference.kind == "archive"
        restored = take_snapshot(
            PsycopgRunner(reference.connection), SnapshotOptions(reference_tables=ALL_TABLES)
        )
    assert restored == original


def test_a_truncated_archive_is_one_line(server, database, tmp_path):
    with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
        conn.execute("CREATE TABLE sizes (code text PRIMARY KEY)")
    archive = custom_archive(server, database, tmp_path / "ref.dump")
    archive.write_bytes(archive.read_bytes()[:300])
    assert load_error(server, archive).startswith(f"{archive}: pg_restore: ")
