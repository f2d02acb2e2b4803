"""`migcheck repair` for reference rows: parents before children, self-references resolved
by natural key level by level, idempotent inserts (safe where the rows already exist), a
downgrade that deletes exactly those rows."""

from __future__ import annotations

import psycopg
from alembic import command
from repairkit import (
    assert_golden,
    assert_ruff_clean,
    base_revision,
    cli,
    repair_project,
    with_template,
    write_reference,
)

from migcheck.project import load_project
from migcheck.reference.plain import load_plain

SCHEMA = """
CREATE TABLE public.colors (
    id serial PRIMARY KEY,
    name text NOT NULL CONSTRAINT uq_colors_name UNIQUE,
    hex text NOT NULL,
    parent_id integer REFERENCES public.colors (id)
);
CREATE TABLE public.swatches (
    id serial PRIMARY KEY,
    color_id integer NOT NULL REFERENCES public.colors (id),
    label text NOT NULL
);
INSERT INTO public.colors (name, hex) VALUES ('Black', '#000000')
"""

# Inserted in an order no fresh replay could follow (children before parents, ids that
# only a developer database has), as a dump lists them.
ROWS = """;
INSERT INTO public.colors (id, name, hex, parent_id) VALUES
    (10, 'Ivory', '#FFFFF0', NULL), (11, 'White', '#FFFFFF', NULL), (12, 'Blue', '#0000FF', NULL);
INSERT INTO public.colors (id, name, hex, parent_id) VALUES
    (13, 'Off-white', '#FAF9F6', 11), (14, 'Indigo', '#4B0082', 12);
UPDATE public.colors SET parent_id = 13 WHERE name = 'Ivory';
INSERT INTO public.swatches (color_id, label) VALUES (14, 'Indigo, matte'), (1, 'Black, gloss');
"""


def _project(history, tmp_path):
    downgrade = "DROP TABLE public.swatches; DROP TABLE public.colors"
    root = with_template(history(a1=(None, *base_revision(SCHEMA, downgrade))))
    reference = write_reference(tmp_path / "reference.sql", SCHEMA + ROWS)
    return root, reference


def test_self_referencing_rows_parents_first(server, history, tmp_path):
    root, reference = _project(history, tmp_path)
    outcome = repair_project(server, root, reference)
    assert outcome.proof is not None and outcome.proof.ok, outcome.proof.summary("ref")
    assert outcome.path is not None
    text = outcome.path.read_text()
    assert_golden("rows_self_reference.py", text)
    assert_ruff_clean(outcome.path)
    # White, then Off-white (its child), then Ivory (Off-white's child): three levels
    assert text.index("'White'") < text.index("'Off-white'") < text.index("'Ivory'")
    assert "ON CONFLICT (name) DO NOTHING" in text
    assert " 13" not in text and " 11)" not in text  # no developer-database ids


def test_revision_is_safe_where_the_rows_exist(server, history, tmp_path):
    """On a developer database (loaded from the reference, stamped at the old head), the
    upgrade changes nothing; the downgrade then removes exactly the rows it names."""
    root, reference = _project(history, tmp_path)
    outcome = repair_project(server, root, reference)
    assert outcome.proof is not None and outcome.proof.ok
    database = server.create_database("developer")
    try:
        load_plain(reference, server.conninfo(database), "test")
        config = load_project(root).config
        config.set_main_option(
            "sqlalchemy.url",
            server.url(database).render_as_string(hide_password=False).replace("%", "%%"),
        )
        command.stamp(config, "a1")
        command.upgrade(config, "head")
        with psycopg.connect(server.conninfo(database)) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM colors ORDER BY id")]
            assert names == ["Black", "Ivory", "White", "Blue", "Off-white", "Indigo"]
            command.downgrade(config, "a1")
            rest = conn.execute("SELECT c.name FROM colors c ORDER BY id").fetchall()
            swatches = conn.execute("SELECT label FROM swatches ORDER BY label").fetchall()
        assert rest == [("Black",)]
        assert swatches == []  # both swatches are reference rows the repair inserts
    finally:
        server.drop_database(database)


def test_repaired_history_passes_run_with_the_reference(history, tmp_path, capsys):
    root, reference = _project(history, tmp_path)
    code, out, err = cli(
        capsys, "repair", str(root), "--reference", str(reference), "--server", "embedded"
    )
    assert code == 0, out + err
    assert "proof: 2 revisions replayed on a fresh database, 0 difference(s)" in out
    code, out, err = cli(
        capsys, "run", str(root), "--reference", str(reference), "--server", "embedded"
    )
    assert code == 0, out + err


def test_key_without_unique_constraint_uses_where_not_exists(server, history, tmp_path):
    schema = "CREATE TABLE public.tags (id serial PRIMARY KEY, label text NOT NULL, rank int)"
    root = with_template(history(a1=(None, *base_revision(schema))))
    reference = write_reference(
        tmp_path / "reference.sql",
        schema + ";\nINSERT INTO public.tags (label, rank) VALUES ('new', 1), ('sale', 2);",
    )
    outcome = repair_project(server, root, reference, natural_keys={"public.tags": ["label"]})
    assert outcome.proof is not None and outcome.proof.ok, outcome.proof.summary("ref")
    assert outcome.path is not None
    text = outcome.path.read_text()
    assert "WHERE NOT EXISTS" in text and "ON CONFLICT" not in text
    assert_golden("rows_where_not_exists.py", text)
    assert_ruff_clean(outcome.path)
