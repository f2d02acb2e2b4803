"""Data migrations (MC3xx): child before parent, empty parent lookups, skipped inserts, re-runs."""

from __future__ import annotations

import psycopg
from runkit import found, run

from migcheck.snapshot import ALL_TABLES, SnapshotOptions, as_runner, take_snapshot

PARENTS = """
op.execute("CREATE TABLE parents (id serial PRIMARY KEY, name text NOT NULL UNIQUE)")
op.execute("CREATE TABLE children (name text PRIMARY KEY, parent_id int REFERENCES parents (id))")
"""
COLORS = """
op.execute(
    "CREATE TABLE colors (id serial PRIMARY KEY, name text NOT NULL UNIQUE,"
    " parent_id int REFERENCES colors (id))"
)
"""
DROP = 'op.execute("DROP TABLE IF EXISTS children, parents, colors")'


def insert(sql: str) -> str:
    return f"op.execute({sql!r})"


def test_child_before_parent_names_child_parent_and_no_inserter(history, server) -> None:
    root = history(
        a1=(None, PARENTS, DROP),
        b2=("a1", insert("INSERT INTO children (name, parent_id) VALUES ('kid', 7)")),
    )
    result = run(server, root, "data")
    assert found(result.findings) == [
        ("MC301", "b2", "row public.children(name='kid', parent_id=7)")
    ]
    finding = result.findings[0]
    assert finding.message == (
        "b2: child row inserted before its parent: public.children row (name='kid', "
        "parent_id=7) references public.parents id=7, which does not exist at this point; "
        "no revision inserts that parent"
    )
    assert finding.location.line == 12
    assert finding.details["inserted_by"] is None


def test_child_before_parent_names_the_later_revision_inserting_the_parent(history, server) -> None:
    by_name = """
op.execute("CREATE TABLE parents (name text PRIMARY KEY)")
op.execute("CREATE TABLE children (name text PRIMARY KEY, parent text REFERENCES parents (name))")
"""
    root = history(
        a1=(None, by_name, DROP),
        b2=("a1", insert("INSERT INTO children (name, parent) VALUES ('kid', 'mum')")),
        c3=("b2", insert("INSERT INTO parents (name) VALUES ('dad'), ('mum')")),
    )
    result = run(server, root, "data")
    assert found(result.findings) == [
        ("MC301", "b2", "row public.children(name='kid', parent='mum')")
    ]
    assert result.findings[0].details["inserted_by"] == "c3"
    assert "revision c3 (" in result.findings[0].message


def test_parents_first_has_no_finding(history, server) -> None:
    root = history(
        a1=(None, PARENTS, DROP),
        b2=("a1", insert("INSERT INTO parents (name) VALUES ('mum') ON CONFLICT DO NOTHING")),
        c3=(
            "b2",
            insert(
                "INSERT INTO children (name, parent_id) VALUES "
                "('kid', (SELECT id FROM parents WHERE name = 'mum')) ON CONFLICT DO NOTHING"
            ),
        ),
    )
    assert found(run(server, root, "data").findings) == []


def test_parent_lookup_that_found_nothing(history, server) -> None:
    root = history(
        a1=(None, COLORS, DROP),
        b2=(
            "a1",
            insert(
                "INSERT INTO colors (name, parent_id) VALUES "
                "('Indigo', (SELECT id FROM colors WHERE name = 'Blue')) ON CONFLICT DO NOTHING"
            ),
        ),
        c3=("b2", insert("INSERT INTO colors (name) VALUES ('Blue') ON CONFLICT DO NOTHING")),
    )
    result = run(server, root, "data")
    assert found(result.findings) == [("MC302", "b2", "row colors(name='Indigo') parent_id")]
    assert result.findings[0].message == (
        "b2: colors row (name='Indigo') was inserted with parent_id NULL: its parent lookup "
        "(SELECT id FROM colors WHERE name = 'Blue') found no row; revision c3 "
        f"({result.revision('c3').path}:12) inserts it, but runs after b2"
    )


def test_top_level_rows_with_a_literal_null_parent_are_not_lookups(history, server) -> None:
    root = history(
        a1=(None, COLORS, DROP),
        b2=(
            "a1",
            insert(
                "INSERT INTO colors (name, parent_id) VALUES ('Blue', NULL), "
                "('Indigo', (SELECT id FROM colors WHERE name = 'Blue')) ON CONFLICT DO NOTHING"
            ),
        ),
    )
    # Indigo's lookup ran before Blue existed (one statement sees one snapshot): still found
    assert found(run(server, root, "data").findings) == [
        ("MC302", "b2", "row colors(name='Indigo') parent_id")
    ]


GUARDED = """
conn = op.get_bind()
if conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM colors WHERE name = 'White')")).scalar():
    op.execute("INSERT INTO colors (name) VALUES ('Off-white')")
"""


def test_guard_that_skips_an_insert_on_a_fresh_database(history, server) -> None:
    root = history(
        a1=(None, COLORS, DROP),
        b2=("a1", GUARDED),
        c3=(
            "b2",
            insert(
                "INSERT INTO colors (name) SELECT 'Indigo' "
                "WHERE EXISTS (SELECT 1 FROM colors WHERE name = 'Blue')"
            ),
        ),
    )
    result = run(server, root, "data")
    assert [
        (f.code, f.severity.value, f.location.revision, f.location.line) for f in result.findings
    ] == [
        ("MC304", "warning", "b2", 14),
        ("MC304", "warning", "c3", 12),
    ]
    assert "its guard skipped it" in result.findings[0].message
    assert "it affected no rows" in result.findings[1].message


def test_backfills_on_empty_tables_and_upserts_are_not_skips(history, server) -> None:
    root = history(
        a1=(None, COLORS, DROP),
        b2=("a1", insert("UPDATE colors SET name = upper(name) WHERE parent_id IS NULL")),
        c3=("b2", insert("INSERT INTO colors (name) VALUES ('Red') ON CONFLICT DO NOTHING")),
        d4=("c3", insert("INSERT INTO colors (name) VALUES ('Red') ON CONFLICT DO NOTHING")),
        e5=("d4", insert("INSERT INTO colors (name) SELECT name || '!' FROM colors WHERE false")),
    )
    assert found(run(server, root, "data").findings) == []


def reference_with(server, sql: str):
    database = server.create_database("reference")
    try:
        with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
            conn.execute(sql)
            return take_snapshot(as_runner(conn), SnapshotOptions(reference_tables=ALL_TABLES))
    finally:
        server.drop_database(database)


def test_reference_rows_missing_because_a_guard_skipped_them(history, server) -> None:
    root = history(a1=(None, COLORS, DROP), b2=("a1", GUARDED))
    reference = reference_with(
        server,
        "CREATE TABLE colors (id serial PRIMARY KEY, name text NOT NULL UNIQUE,"
        " parent_id int REFERENCES colors (id));"
        "INSERT INTO colors (name) VALUES ('White'), ('Off-white');",
    )
    result = run(server, root, "data", "reference", reference=reference)
    assert found(result.findings) == [
        ("MC611", "b2", "row public.colors(name='White')"),  # blamed: b2 quotes 'White'
        ("MC303", "b2", "insert colors"),
    ]
    skipped = result.findings[1]
    assert skipped.location.line == 14
    assert skipped.details["rows"] == ["public.colors(name='Off-white')"]
    assert "its guard skipped it" in skipped.message


def test_rerun_that_fails_or_duplicates_rows(history, server) -> None:
    root = history(
        a1=(None, COLORS + 'op.execute("CREATE TABLE log (line text)")', DROP),
        b2=("a1", insert("INSERT INTO colors (name) VALUES ('Red')")),
        c3=("b2", insert("INSERT INTO log VALUES ('hello')")),
    )
    result = run(server, root, "data")
    assert found(result.findings) == [
        ("MC305", "b2", "rerun unique_violation"),
        ("MC306", "c3", "table public.log"),
    ]
    assert result.findings[1].details["added"] == ["public.log(line='hello' #2)"]


def test_rerun_of_ddl_with_data_is_info_and_idempotent_data_is_silent(history, server) -> None:
    root = history(
        a1=(
            None,
            'sizes = op.create_table("sizes", sa.Column("name", sa.Text, primary_key=True))\n'
            'op.bulk_insert(sizes, [{"name": "S"}, {"name": "M"}])',
            'op.drop_table("sizes")',
        ),
        b2=("a1", insert("INSERT INTO sizes VALUES ('L') ON CONFLICT DO NOTHING")),
    )
    result = run(server, root, "data")
    assert [(f.code, f.severity.value, f.location.revision) for f in result.findings] == [
        ("MC307", "info", "a1")
    ]
