"""take_snapshot: addressable, deterministic, the same through psycopg and SQLAlchemy."""

from __future__ import annotations

import json

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from migcheck.snapshot import (
    ALL_TABLES,
    PsycopgRunner,
    Snapshot,
    SnapshotOptions,
    SqlAlchemyRunner,
    as_runner,
    take_snapshot,
)

SCHEMA = """
CREATE SCHEMA product_attributes;
CREATE EXTENSION citext;
CREATE TABLE product_attributes.colors (
    id serial PRIMARY KEY,
    name_en citext NOT NULL UNIQUE,
    parent_color_id integer REFERENCES product_attributes.colors (id)
);
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('abc123');
INSERT INTO product_attributes.colors (name_en) VALUES ('White');
INSERT INTO product_attributes.colors (name_en, parent_color_id) VALUES ('Off-white', 1);
"""


@pytest.fixture
def conn(server, database):
    with psycopg.connect(server.conninfo(database), autocommit=True) as connection:
        connection.execute(SCHEMA)
        yield connection


def test_objects_are_addressed_by_kind_and_qualified_name(conn):
    snapshot = take_snapshot(PsycopgRunner(conn))
    column = snapshot.get("column", "product_attributes.colors.parent_color_id")
    assert column is not None and column.attrs["type"] == "integer"
    assert column.parent == ("table", "product_attributes.colors")
    assert snapshot.get("constraint", "product_attributes.colors.colors_pkey") is not None
    assert snapshot.get("sequence", "product_attributes.colors_id_seq").owner == (
        "table",
        "product_attributes.colors",
    )
    # A type from another schema is named in full, whatever the session's search_path.
    assert snapshot.get("column", "product_attributes.colors.name_en").attrs["type"] == (
        "public.citext"
    )


def test_alembic_version_and_extension_members_are_left_out(conn):
    snapshot = take_snapshot(PsycopgRunner(conn))
    names = {name for _kind, name in snapshot.objects}
    assert "public.alembic_version" not in names
    assert not any(name.startswith("public.citext") for name in names)  # citext's functions
    assert ("extension", "citext") in snapshot.objects
    kept = take_snapshot(PsycopgRunner(conn), SnapshotOptions(exclude_tables=[]))
    assert kept.get("table", "public.alembic_version") is not None


def test_json_form_round_trips_and_is_deterministic(conn):
    snapshot = take_snapshot(PsycopgRunner(conn), SnapshotOptions(reference_tables=ALL_TABLES))
    again = Snapshot.from_dict(json.loads(snapshot.to_json()))
    assert again == snapshot
    assert again.to_json() == snapshot.to_json()
    assert (
        take_snapshot(PsycopgRunner(conn), SnapshotOptions(reference_tables=ALL_TABLES)).to_json()
        == snapshot.to_json()
    )


def test_rows_are_keyed_by_natural_key_and_show_parents_by_theirs(conn):
    snapshot = take_snapshot(PsycopgRunner(conn), SnapshotOptions(reference_tables=["colors"]))
    rows = snapshot.data["product_attributes.colors"]
    assert rows.key_columns == ["name_en"]
    assert sorted(rows.rows) == ["name_en='Off-white'", "name_en='White'"]
    assert rows.label("name_en='Off-white'") == (
        "product_attributes.colors(name_en='Off-white', parent_color='White')"
    )
    # The surrogate id is not data: it depends on insertion order.
    assert rows.rows["name_en='White'"] == {"name_en": "White", "parent_color": None}


def test_sqlalchemy_connection_inside_a_transaction_reads_the_same(server, database, conn):
    url = server.url(database, "psycopg")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text("SET LOCAL search_path = product_attributes"))
            through_sqlalchemy = take_snapshot(
                as_runner(connection), SnapshotOptions(reference_tables=ALL_TABLES)
            )
            assert connection.execute(text("SHOW search_path")).scalar() == "product_attributes"
    finally:
        engine.dispose()
    through_psycopg = take_snapshot(as_runner(conn), SnapshotOptions(reference_tables=ALL_TABLES))
    assert isinstance(as_runner(conn), PsycopgRunner)
    assert isinstance(as_runner(connection), SqlAlchemyRunner)
    assert through_sqlalchemy == through_psycopg


def test_only_the_asked_schemas(conn):
    snapshot = take_snapshot(PsycopgRunner(conn), SnapshotOptions(schemas=["public"]))
    assert {name.split(".")[0] for kind, name in snapshot.objects if kind != "extension"} == {
        "public"
    }
