"""Blame follows each difference through the per-revision snapshots."""

from __future__ import annotations

from pathlib import Path

from migcheck.diff import CHANGED, EXTRA, MISSING, Difference, blame
from migcheck.snapshot import DbObject, Snapshot, TableRows


def snap(*objects: DbObject, rows: dict[str, dict[str, str | None]] | None = None) -> Snapshot:
    snapshot = Snapshot()
    for obj in objects:
        snapshot.add(obj)
    if rows is not None:
        snapshot.data["public.colors"] = TableRows(
            "public.colors", ["name_en"], ["name_en"], [], [], rows
        )
    return snapshot


def table(name: str = "public.t") -> DbObject:
    return DbObject("table", name, {"comment": None})


def column(type_: str) -> DbObject:
    return DbObject("column", "public.t.n", {"type": type_}, ("table", "public.t"))


RED = {"name_en='Red'": {"name_en": "Red", "hex": "#F00"}}
RED_2 = {"name_en='Red'": {"name_en": "Red", "hex": "#FF0000"}}

HISTORY = [
    ("a1", snap(table(), column("integer"))),
    ("b2", snap(table(), column("bigint"), table("public.old"), rows=RED)),
    ("c3", snap(table(), column("bigint"), table("public.old"), rows=RED_2)),
    ("d4", snap(table(), column("bigint"), rows=RED_2)),
]


def blamed(difference: Difference, sources=()) -> str:
    blame([difference], HISTORY, sources)
    return difference.blame


def test_a_changed_attribute_is_blamed_on_the_revision_that_last_changed_it():
    assert blamed(Difference(CHANGED, "column", "public.t.n", "type", "integer", "bigint")) == (
        "changed by b2"
    )


def test_an_extra_object_is_blamed_on_the_revision_that_created_it():
    difference = Difference(EXTRA, "table", "public.t")
    assert blamed(difference) == "created by a1"
    assert difference.revision == "a1"


def test_a_missing_object_is_dropped_by_a_revision_or_created_by_none():
    assert blamed(Difference(MISSING, "table", "public.old")) == "dropped by d4"
    assert blamed(Difference(MISSING, "index", "public.ix_never")) == "no revision creates it"


def test_rows_are_inserted_changed_and_deleted_by_revisions():
    row = {"table": "public.colors", "row": "name_en='Red'"}
    assert blamed(Difference(EXTRA, "row", "public.colors(name_en='Red')", **row)) == (
        "inserted by b2"
    )
    changed = Difference(CHANGED, "row", "x", "hex", "'#F00'", "'#FF0000'", **row)
    assert blamed(changed) == "changed by c3"


def test_a_missing_row_names_the_revision_line_that_mentions_it(tmp_path: Path):
    revision = tmp_path / "c3_add_off_white.py"
    revision.write_text(
        '"""Adds "Off-white", a child of White."""\n'
        "def upgrade():\n"
        '    if color_exists("White"):\n'
        "        op.execute(\n"
        '            "INSERT INTO colors (name_en) "\n'
        "            \"VALUES ('Off-white')\"\n"
        "        )\n"
    )
    missing = Difference(
        MISSING,
        "row",
        "public.colors(name_en='Off-white')",
        table="public.colors",
        row="name_en='Off-white'",
    )
    assert blamed(missing, [("c3", str(revision))]) == (
        f"no revision inserts it; 'Off-white' appears in {revision}:6 (c3)"
    )
    assert (missing.revision, missing.line) == ("c3", 6)
