"""Reference data: rows matched by natural key, foreign keys shown through their parent."""

from __future__ import annotations

import psycopg
import pytest

from migcheck.diff import diff_snapshots
from migcheck.snapshot import ALL_TABLES, PsycopgRunner, SnapshotOptions, take_snapshot

SCHEMA = """
CREATE TABLE colors (
    id serial PRIMARY KEY,
    name_en text NOT NULL UNIQUE,
    hex_code text,
    parent_color_id integer REFERENCES colors (id)
);
CREATE TABLE sizes (code text PRIMARY KEY, rank integer NOT NULL);
CREATE TABLE tags (label text, weight numeric);
"""


@pytest.fixture
def two(server, database):
    """Two databases with the same schema: (reference, replay) connections."""
    other = server.create_database("test_other")
    try:
        with (
            psycopg.connect(server.conninfo(database), autocommit=True) as reference,
            psycopg.connect(server.conninfo(other), autocommit=True) as replay,
        ):
            reference.execute(SCHEMA)
            replay.execute(SCHEMA)
            yield reference, replay
    finally:
        server.drop_database(other)


def read(conn, **options):
    options.setdefault("reference_tables", ALL_TABLES)
    return take_snapshot(PsycopgRunner(conn), SnapshotOptions(**options))


def lines(reference, replay, **options):
    return [
        d.describe() for d in diff_snapshots(read(reference, **options), read(replay, **options))
    ]


def test_rows_missing_extra_and_changed_are_reported_row_by_row(two):
    reference, replay = two
    reference.execute(
        "INSERT INTO colors (name_en, hex_code) VALUES ('White', '#FFFFFF'), ('Red', '#FF0000');"
        "INSERT INTO colors (name_en, hex_code, parent_color_id)"
        " VALUES ('Off-white', '#FAF9F6', 1);"
        "INSERT INTO sizes VALUES ('S', 1), ('M', 2);"
    )
    # Different insertion order, so every id differs: rows still match by name.
    replay.execute(
        "INSERT INTO colors (name_en, hex_code) VALUES ('Teal', '#008080'), ('Red', '#F00'),"
        " ('White', '#FFFFFF');"
        "INSERT INTO sizes VALUES ('S', 1), ('M', 3);"
    )
    assert lines(reference, replay) == [
        "row public.colors(name_en='Off-white', parent_color='White'): "
        "in reference, missing after replay",
        "row public.colors(name_en='Red'): hex_code '#FF0000' in reference, '#F00' after replay",
        "row public.colors(name_en='Teal'): not in reference, extra after replay",
        "row public.sizes(code='M'): rank 2 in reference, 3 after replay",
    ]


def test_a_child_pointing_at_another_parent_is_a_change_of_parent_not_of_id(two):
    reference, replay = two
    reference.execute(
        "INSERT INTO colors (name_en) VALUES ('White'), ('Blue');"
        "INSERT INTO colors (name_en, parent_color_id) VALUES ('Indigo', 2);"
    )
    replay.execute(
        "INSERT INTO colors (name_en) VALUES ('Blue'), ('White');"
        "INSERT INTO colors (name_en, parent_color_id) VALUES ('Indigo', 2);"
    )
    assert lines(reference, replay) == [
        "row public.colors(name_en='Indigo', parent_color='Blue'): "
        "parent_color 'Blue' in reference, 'White' after replay"
    ]


def test_same_rows_in_another_physical_order_are_no_difference(two):
    reference, replay = two
    reference.execute("INSERT INTO sizes VALUES ('S', 1), ('M', 2), ('L', 3)")
    replay.execute("INSERT INTO sizes VALUES ('L', 3), ('S', 1), ('M', 2)")
    assert lines(reference, replay) == []


def test_a_configured_natural_key_wins(two):
    reference, replay = two
    reference.execute("INSERT INTO colors (name_en, hex_code) VALUES ('White', '#FFFFFF')")
    replay.execute("INSERT INTO colors (name_en, hex_code) VALUES ('Snow', '#FFFFFF')")
    assert lines(reference, replay, natural_keys={"colors": ["hex_code"]}) == [
        "row public.colors(hex_code='#FFFFFF'): name_en 'White' in reference, 'Snow' after replay"
    ]


def test_a_table_without_any_key_is_matched_on_whole_rows(two):
    reference, replay = two
    reference.execute("INSERT INTO tags VALUES ('new', 1.5), ('new', 1.5)")
    replay.execute("INSERT INTO tags VALUES ('new', 1.5)")
    assert lines(reference, replay) == [
        "row public.tags(label='new', weight=1.5 #2): in reference, missing after replay"
    ]


def test_only_the_chosen_reference_tables_are_compared(two):
    reference, replay = two
    reference.execute("INSERT INTO sizes VALUES ('S', 1); INSERT INTO tags VALUES ('x', 1)")
    assert lines(reference, replay, reference_tables=["sizes"]) == [
        "row public.sizes(code='S'): in reference, missing after replay"
    ]


def test_rows_of_a_table_missing_after_replay_are_not_listed_one_by_one(two):
    reference, replay = two
    reference.execute("INSERT INTO tags VALUES ('x', 1)")
    replay.execute("DROP TABLE tags")
    assert lines(reference, replay) == ["table public.tags: in reference, missing after replay"]
