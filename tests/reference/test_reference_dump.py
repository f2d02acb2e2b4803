"""The reference writer: deterministic bytes that load back to the same database."""

from __future__ import annotations

import psycopg
import pytest

from migcheck.diff import diff_snapshots
from migcheck.dump import render_reference, write_reference
from migcheck.errors import InputError
from migcheck.reference import open_reference
from migcheck.snapshot import ALL_TABLES, PsycopgRunner, SnapshotOptions, take_snapshot

SCHEMA = """
CREATE TABLE colors (
    id serial PRIMARY KEY,
    name_en text NOT NULL UNIQUE,
    parent_color_id integer REFERENCES colors (id),
    shade integer GENERATED ALWAYS AS (length(name_en)) STORED
);
CREATE TABLE tags (label text, weight numeric);
CREATE TABLE audit (id serial PRIMARY KEY, what text);
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('f00d');
INSERT INTO colors (name_en) VALUES ('White'), ('Blue');
INSERT INTO colors (name_en, parent_color_id) VALUES ('Off-white', 1);
-- Moves White to the physical end of the table: pg_dump would write it last.
UPDATE colors SET name_en = 'White' WHERE id = 1;
INSERT INTO tags VALUES ('b', 2), ('a', 1);
INSERT INTO audit (what) VALUES ('x');
"""


@pytest.fixture
def source(server, database):
    with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
        conn.execute(SCHEMA)
    return database


def test_two_renders_are_byte_identical_and_carry_nothing_run_specific(server, source):
    first = render_reference(server, source, note="Written by migcheck dump")
    assert render_reference(server, source, note="Written by migcheck dump") == first
    assert "\\restrict" not in first and "\\unrestrict" not in first
    assert "Dumped from" not in first and "Dumped by" not in first
    assert first.startswith("--\n-- PostgreSQL database dump\n--\n\n-- Written by migcheck dump\n")
    assert first.endswith("--\n-- PostgreSQL database dump complete\n--\n")


def test_rows_are_written_in_key_order_without_generated_columns(server, source):
    text = render_reference(server, source)
    assert (
        "COPY public.colors (id, name_en, parent_color_id) FROM stdin;\n"
        "1\tWhite\t\\N\n2\tBlue\t\\N\n3\tOff-white\t1\n\\.\n"
    ) in text
    assert "COPY public.tags (label, weight) FROM stdin;\na\t1\nb\t2\n\\.\n" in text
    assert "SELECT pg_catalog.setval('public.colors_id_seq', 3, true);" in text
    # Data sits between the tables and their constraints, so load order never matters.
    assert text.index("CREATE TABLE public.colors") < text.index("COPY public.colors")
    assert text.index("COPY public.colors") < text.index("ADD CONSTRAINT colors_pkey")


def test_the_dump_loads_back_to_the_same_database(server, source, tmp_path):
    path = tmp_path / "reference.sql"
    write_reference(path, render_reference(server, source))
    options = SnapshotOptions(reference_tables=ALL_TABLES)
    with psycopg.connect(server.conninfo(source)) as conn:
        original = take_snapshot(PsycopgRunner(conn), options)
    with open_reference(str(path), server) as reference:
        loaded = take_snapshot(PsycopgRunner(reference.connection), options)
        stamped = reference.connection.execute("SELECT version_num FROM alembic_version")
        assert stamped.fetchall() == [("f00d",)]
    assert diff_snapshots(original, loaded) == []


def test_data_can_be_limited_to_named_tables_and_alembic_version_always_comes(server, source):
    text = render_reference(server, source, ["colors"])
    assert "COPY public.colors" in text and "COPY public.alembic_version" in text
    assert "COPY public.tags" not in text and "COPY public.audit" not in text
    with pytest.raises(InputError, match=r"^--data nope: no such table after the replay$"):
        render_reference(server, source, ["nope"])
