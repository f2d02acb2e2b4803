"""`migcheck repair`, one kind of schema object at a time: the reference has an object (or a
name) a fresh replay lacks; the revision written creates it, its proof is clean, it reads
like the golden file and passes ruff."""

from __future__ import annotations

import pytest
from alembic import command
from repairkit import (
    assert_golden,
    assert_ruff_clean,
    base_revision,
    repair_project,
    with_template,
    write_reference,
)

from migcheck.project import load_project

BASE = """
CREATE TABLE public.colors (id serial PRIMARY KEY, name text NOT NULL, hex text);
CREATE TABLE public.items (id serial PRIMARY KEY, sku text NOT NULL, color_id integer);
ALTER TABLE public.colors ADD CONSTRAINT colors_name_key UNIQUE (name)
"""

FUNCTION = """
CREATE FUNCTION public.touch_sku() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sku := upper(NEW.sku);
    RETURN NEW;
END
$$
"""

# kind: SQL the reference has on top of the base
KINDS = {
    "table": """
        CREATE TABLE public.sizes (
            id serial PRIMARY KEY,
            code varchar(8) NOT NULL CONSTRAINT uq_sizes_code UNIQUE,
            sort_order integer NOT NULL DEFAULT 0,
            color_id integer REFERENCES public.colors (id) ON DELETE CASCADE
        );
        CREATE INDEX ix_sizes_sort_order ON public.sizes (sort_order);
    """,
    "column": "ALTER TABLE public.items ADD COLUMN weight numeric(8, 2) NOT NULL DEFAULT 0;",
    "index": "CREATE INDEX ix_items_sku ON public.items (sku);",
    "expression_index": (
        "CREATE INDEX ix_items_lower_sku ON public.items (lower(sku)) WHERE color_id IS NOT NULL;"
    ),
    "unique": "ALTER TABLE public.items ADD CONSTRAINT uq_items_sku UNIQUE (sku);",
    "check": "ALTER TABLE public.items ADD CONSTRAINT ck_items_sku CHECK (sku <> '');",
    "foreign_key": (
        "ALTER TABLE public.items ADD CONSTRAINT fk_items_color_id FOREIGN KEY (color_id) "
        "REFERENCES public.colors (id) ON DELETE SET NULL;"
    ),
    "enum": "CREATE TYPE public.mood AS ENUM ('calm', 'loud', 'it''s complicated');",
    "sequence": "CREATE SEQUENCE public.invoice_numbers START 1000 INCREMENT 10;",
    "view": "CREATE VIEW public.dark_colors AS SELECT name FROM public.colors WHERE hex < '#888';",
    "function": FUNCTION + ";",
    "trigger": FUNCTION
    + """;
        CREATE TRIGGER items_touch_sku BEFORE INSERT ON public.items
            FOR EACH ROW EXECUTE FUNCTION public.touch_sku();
    """,
    "renamed_constraint": (
        "ALTER TABLE public.colors RENAME CONSTRAINT colors_name_key TO uq_colors_name;"
    ),
    "domain": (
        "CREATE DOMAIN public.hex_code AS text NOT NULL "
        "CONSTRAINT ck_hex_code_format CHECK (VALUE ~ '^#[0-9A-F]{6}$');"
    ),
    "composite_type": "CREATE TYPE public.dimensions AS (width numeric(8, 2), height integer);",
    "range_type": """
        CREATE TYPE public.sku_range AS RANGE (subtype = text, collation = "C");
        CREATE TYPE public.weight_range AS RANGE
            (subtype = numeric, subtype_diff = numrange_subdiff);
    """,
    "policy": """
        ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;
        CREATE POLICY items_with_color ON public.items FOR SELECT
            USING (color_id IS NOT NULL);
    """,
    "comment": """
        COMMENT ON TABLE public.colors IS 'Colors a product can come in (it''s a palette)';
        COMMENT ON COLUMN public.items.sku IS 'Stock keeping unit';
    """,
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_repair_creates_each_kind(server, history, tmp_path, kind):
    root = with_template(history(a1=(None, *base_revision(BASE))))
    reference = write_reference(tmp_path / "reference.sql", BASE + ";\n" + KINDS[kind])
    outcome = repair_project(server, root, reference)
    assert outcome.proof is not None and outcome.proof.ok, outcome.proof.summary("ref")
    assert outcome.path is not None and outcome.path.parent == root / "versions"
    assert_golden(f"schema_{kind}.py", outcome.path.read_text())
    assert_ruff_clean(outcome.path)
    _round_trip(server, root)


def _round_trip(server, root):
    """The proof replays upgrades; the revision's downgrade must run too (and the upgrade
    again after it)."""
    database = server.create_database("roundtrip")
    try:
        config = load_project(root).config
        url = server.url(database).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        command.upgrade(config, "head")
        command.downgrade(config, "a1")
        command.upgrade(config, "head")
    finally:
        server.drop_database(database)


def test_repair_drops_and_alters_what_differs(server, history, tmp_path):
    """Extra objects are dropped (recreated by the downgrade), changed ones altered."""
    extra = """;
        CREATE INDEX ix_items_color_id ON public.items (color_id);
        CREATE TYPE public.legacy AS ENUM ('x');
        ALTER TABLE public.items ADD COLUMN note text
    """
    root = with_template(history(a1=(None, *base_revision(BASE + extra))))
    changed = """;
        ALTER TABLE public.items ALTER COLUMN sku TYPE varchar(40);
        ALTER TABLE public.colors ALTER COLUMN hex SET NOT NULL;
        ALTER TABLE public.colors ALTER COLUMN hex SET DEFAULT '#000000';
        CREATE TYPE public.legacy AS ENUM ('x');
    """
    reference = write_reference(tmp_path / "reference.sql", BASE + changed)
    outcome = repair_project(server, root, reference)
    assert outcome.proof is not None and outcome.proof.ok, outcome.proof.summary("ref")
    assert outcome.path is not None
    assert_golden("schema_extra_and_changed.py", outcome.path.read_text())
    assert_ruff_clean(outcome.path)


def test_enum_labels_added_outside_the_transaction(server, history, tmp_path):
    base = "CREATE TYPE public.size AS ENUM ('s', 'l')"
    root = with_template(history(a1=(None, *base_revision(base))))
    reference = write_reference(
        tmp_path / "reference.sql", "CREATE TYPE public.size AS ENUM ('xs', 's', 'm', 'l', 'xl');"
    )
    outcome = repair_project(server, root, reference)
    assert outcome.proof is not None and outcome.proof.ok, outcome.proof.summary("ref")
    assert outcome.path is not None
    text = outcome.path.read_text()
    assert "with op.get_context().autocommit_block():" in text
    assert "ADD VALUE IF NOT EXISTS 'm' BEFORE 'l'" in text
    assert_ruff_clean(outcome.path)
