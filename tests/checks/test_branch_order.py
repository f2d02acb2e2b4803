"""Branch order (MC4xx): a merge's branches replayed in both orders from a forked branch point."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from migcheck.checks.branch_order import check_branch_order
from migcheck.project import load_project
from migcheck.replay.runner import ReplayOptions
from migcheck.replay.session import Director

COLORS = """
op.execute(
    "CREATE TABLE colors (id int PRIMARY KEY, name text NOT NULL UNIQUE,"
    " parent_id int REFERENCES colors (id))"
)
"""
ITEMS = 'op.execute("CREATE TABLE items (id int PRIMARY KEY, price int NOT NULL DEFAULT 0)")'
WHITE = "op.execute(\"INSERT INTO colors (id, name) VALUES (1, 'White')\")"
OFF_WHITE = "op.execute(\"INSERT INTO colors (id, name, parent_id) VALUES (2, 'Off-white', 1)\")"
MERGE = ("b1", "c1")
SAMPLES = Path(__file__).resolve().parents[2] / "sample_migrations"


def check(server, root):
    return check_branch_order(load_project(root), server, ReplayOptions())


def found(findings):
    """(code, revision, subject, the other revision) of each finding."""
    return [
        (
            f.code,
            f.location.revision,
            f.subject,
            f.details.get("other_revision") or f.details.get("revisions"),
        )
        for f in findings
    ]


def test_independent_branches_give_no_finding(server, history):
    root = history(
        a0=(None, COLORS + ITEMS),
        b1=("a0", WHITE),
        c1=("a0", 'op.add_column("items", sa.Column("note", sa.Text()))'),
        m2=(MERGE, ""),
    )
    assert check(server, root) == []


def test_sample_project_merging_disjoint_branches_is_clean(server):
    assert check_branch_order(load_project(SAMPLES / "clean_shop"), server, ReplayOptions()) == []


def test_child_row_inserted_before_its_parent_fails_in_one_order(server, history):
    """The seed's colors: one branch inserts White, the other Off-white whose parent is White."""
    root = history(a0=(None, COLORS), b1=("a0", WHITE), c1=("a0", OFF_WHITE), m2=(MERGE, ""))
    findings = check(server, root)
    assert found(findings) == [("MC401", "c1", "table public.colors", "b1")]
    (finding,) = findings
    assert finding.severity.value == "error"
    assert finding.location.path.endswith("002_c1.py")
    assert finding.location.line == 12  # the op.execute line
    assert finding.message == (
        "c1 fails when it runs before b1 (both use table public.colors; merge m2 allows either "
        "order): foreign-key violation: row in public.colors references a missing parent "
        '(colors_parent_id_fkey): Key (parent_id)=(1) is not present in table "colors".'
    )
    assert finding.details["merge"] == "m2"
    assert finding.hint == 'set depends_on = "b1" in c1, so that every database runs b1 first'


def test_table_created_by_the_other_branch_is_missing_in_one_order(server, history):
    root = history(
        a0=(None, ITEMS),
        b1=("a0", 'op.execute("CREATE TABLE sizes (code text PRIMARY KEY)")'),
        c1=("a0", "op.execute(\"INSERT INTO sizes (code) VALUES ('XL')\")"),
        m2=(MERGE, ""),
    )
    assert found(check(server, root)) == [("MC401", "c1", "table sizes", "b1")]


def test_revision_failing_after_the_other_branch_names_what_changed(server, history):
    root = history(
        a0=(None, ITEMS),
        b1=("a0", 'op.drop_column("items", "price")'),
        c1=("a0", 'op.execute("UPDATE items SET price = price + 1")'),
        m2=(MERGE, ""),
    )
    findings = check(server, root)
    assert found(findings) == [("MC401", "c1", "column price", "b1")]
    assert findings[0].message == (
        "c1 fails when it runs after b1 (both use column price; merge m2 allows either order): "
        'missing object: column "price" does not exist'
    )
    assert findings[0].hint == 'set depends_on = "c1" in b1, so that every database runs c1 first'


def test_last_writer_wins_gives_a_different_schema(server, history):
    root = history(
        a0=(None, ITEMS),
        b1=("a0", 'op.execute("ALTER TABLE items ALTER COLUMN price SET DEFAULT 1")'),
        c1=("a0", 'op.execute("ALTER TABLE items ALTER COLUMN price SET DEFAULT 2")'),
        m2=(MERGE, ""),
    )
    findings = check(server, root)
    assert found(findings) == [("MC402", "b1", "column public.items.price default", ["b1", "c1"])]
    assert findings[0].message == (
        "merge m2: the order of b1 and c1 changes the schema: column public.items.price: "
        "default 2 when b1 runs first, 1 when c1 runs first"
    )
    # b1 is the one of the two the replay (Alembic's order) runs last
    assert findings[0].location.line == 12
    assert findings[0].hint == (
        'set depends_on = "c1" in b1 to keep the order Alembic uses today, '
        "or stop both branches changing the object"
    )


def test_declared_depends_on_removes_the_other_order(server, history):
    root = history(
        a0=(None, COLORS),
        b1=("a0", WHITE),
        c1=("a0", OFF_WHITE, "pass", "", "", "b1"),
        m2=(MERGE, ""),
    )
    assert check(server, root) == []


def test_revision_failing_in_both_orders_is_left_to_the_replay(server, history):
    root = history(
        a0=(None, ITEMS),
        b1=("a0", 'op.execute("SELECT * FROM no_such_table")'),
        c1=("a0", 'op.add_column("items", sa.Column("note", sa.Text()))'),
        m2=(MERGE, ""),
    )
    assert check(server, root) == []


def test_linear_history_creates_no_database(server, history, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a linear history needs no database")

    monkeypatch.setattr(server, "create_database", refuse)
    root = history(
        a0=(None, ITEMS), b1=("a0", 'op.add_column("items", sa.Column("note", sa.Text()))')
    )
    assert check(server, root) == []


def test_each_merge_is_checked_from_a_fork_not_from_base(server, history, monkeypatch):
    """Two merges (the second of three branches, two of them coupled): revisions before a
    branch point run once for the whole check, whatever the number of merges and pairs."""
    steps: Counter[str] = Counter()
    original = Director.step

    def counting(self, script, direction):
        steps[script.revision] += 1
        return original(self, script, direction)

    monkeypatch.setattr(Director, "step", counting)
    root = history(
        a0=(None, COLORS + ITEMS),
        b1=("a0", 'op.add_column("items", sa.Column("note", sa.Text()))'),
        c1=("a0", WHITE),
        m2=(MERGE, ""),
        d3=("m2", 'op.add_column("items", sa.Column("size", sa.Text()))'),
        e3=("m2", "op.execute(\"INSERT INTO colors (id, name) VALUES (3, 'Ecru')\")"),
        f3=("m2", OFF_WHITE.replace("2, 'Off-white', 1", "4, 'Light ecru', 3")),
        m4=(("d3", "e3", "f3"), ""),
    )
    assert found(check(server, root)) == [("MC401", "f3", "table public.colors", "e3")]
    assert steps["a0"] == 1
    assert steps["m2"] == 1
    with server.admin() as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (server.database_name("order") + "%",),
        ).fetchall()
    assert left == []  # every branch point and fork is dropped
