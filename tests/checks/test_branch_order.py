"""Branch order (MC4xx): a merge's branches tried in both orders from their branch point."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from runkit import run

from migcheck.checks.branch_order import check_branch_order, in_background
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


def test_revisions_before_a_branch_point_run_once_on_one_database(server, history, monkeypatch):
    """Two merges (the second of three branches, two of them coupled): revisions before a
    branch point run once for the whole check, whatever the number of merges and pairs, on
    one database that no other is copied from."""
    steps: Counter[str] = Counter()
    original = Director.step

    def counting(self, script, direction):
        steps[script.revision] += 1
        return original(self, script, direction)

    monkeypatch.setattr(Director, "step", counting)
    created = count_databases(server, monkeypatch)
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
    assert created == [None]  # one database, no CREATE DATABASE ... TEMPLATE
    with server.admin() as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (server.database_name("order") + "%",),
        ).fetchall()
    assert left == []  # dropped


def count_databases(server, monkeypatch):
    """The template of every database created from now on (None: a fresh one)."""
    created = []
    original = server.create_database

    def counting(name, template=None):
        created.append(template)
        return original(name, template=template)

    monkeypatch.setattr(server, "create_database", counting)
    return created


def concurrently(index, table, column):
    return f"""
with op.get_context().autocommit_block():
    op.execute("CREATE INDEX CONCURRENTLY {index} ON {table} ({column})")
"""


def test_branches_leaving_the_transaction_are_replayed_on_databases_of_their_own(server, history):
    """autocommit_block commits what a trial would roll back: each order of such a pair runs
    for real. Disjoint concurrent indexes are clean; one on the other branch's table is not."""
    root = history(
        a0=(None, COLORS + ITEMS),
        b1=("a0", concurrently("ix_items_price", "items", "price")),
        c1=("a0", concurrently("ix_colors_name", "colors", "name")),
        m2=(MERGE, ""),
        d3=("m2", concurrently("ix_sizes_code", "sizes", "code")),
        e3=("m2", 'op.execute("CREATE TABLE sizes (code text PRIMARY KEY)")'),
        m4=(("d3", "e3"), ""),
    )
    assert found(check(server, root)) == [("MC401", "d3", "table sizes", "e3")]


SERIALS = """
op.execute("CREATE TABLE colors (id serial PRIMARY KEY, name text NOT NULL UNIQUE)")
op.execute(
    "CREATE TABLE shades (id serial PRIMARY KEY,"
    " color_id int NOT NULL REFERENCES colors (id), name text NOT NULL)"
)
"""
SNOW = (
    "op.execute(\"INSERT INTO shades (color_id, name) SELECT id, 'Snow' FROM colors"
    " WHERE name = 'White'\")"
)


def test_rows_looked_up_by_natural_key_across_branches_are_clean(server, history):
    root = history(
        a0=(None, SERIALS),
        b1=("a0", "op.execute(\"INSERT INTO colors (name) VALUES ('White'), ('Black')\")"),
        c1=("a0", SNOW),
        m2=(MERGE, ""),
    )
    assert check(server, root) == []


def test_trials_do_not_move_sequences_for_later_merges(server, history):
    """e4 hard-codes Red's id as a fresh database gives it (3, after White and Black). Had the
    trials of m2 (inserting White and Black) left the sequence moved on, Red would have
    another id at m5's branch point, e4 would fail in both orders: neither finding (each
    needs e4 to apply in one order) would be there."""
    root = history(
        a0=(None, SERIALS),
        b1=("a0", "op.execute(\"INSERT INTO colors (name) VALUES ('White'), ('Black')\")"),
        c1=("a0", SNOW),
        m2=(MERGE, ""),
        d3=("m2", "op.execute(\"INSERT INTO colors (name) VALUES ('Red')\")"),
        e4=("d3", "op.execute(\"INSERT INTO shades (color_id, name) VALUES (3, 'Crimson')\")"),
        f4=("d3", "op.execute(\"DELETE FROM colors WHERE name = 'Red'\")"),
        m5=(("e4", "f4"), ""),
    )
    findings = check(server, root)
    assert found(findings) == [
        ("MC401", "f4", "table public.shades", "e4"),
        ("MC401", "e4", "table colors", "f4"),
    ]
    assert findings[0].message.startswith("f4 fails when it runs after e4")


def price_default(value):
    return f'op.execute("ALTER TABLE items ALTER COLUMN price SET DEFAULT {value}")'


def test_a_branch_merged_twice_is_checked_on_a_second_database(server, history, monkeypatch):
    """s1 branches off a0 and is merged at m4 and again (s2) at m6. Once m3's branch point
    (a0, b1) is in the database, m4's (a0) and m6's (a0, s1) are behind it: they are tried
    on a second database; m8's is ahead, and stays on the first. Findings keep merge order."""
    created = count_databases(server, monkeypatch)
    root = history(
        a0=(None, COLORS + ITEMS),
        b1=("a0", WHITE),
        c2=("b1", price_default(1)),
        d2=("b1", price_default(2)),
        m3=(("c2", "d2"), ""),
        s1=("a0", 'op.execute("CREATE TABLE sizes (code text PRIMARY KEY)")'),
        m4=(("m3", "s1"), ""),
        e5=("m4", 'op.add_column("items", sa.Column("note", sa.Text()))'),
        s2=("s1", OFF_WHITE),
        m6=(("e5", "s2"), ""),
        f7=("m6", price_default(7)),
        g7=("m6", price_default(8)),
        m8=(("f7", "g7"), ""),
    )
    assert found(check(server, root)) == [
        ("MC402", "c2", "column public.items.price default", ["c2", "d2"]),
        ("MC401", "s2", "table public.colors", "b1"),
        ("MC402", "f7", "column public.items.price default", ["f7", "g7"]),
    ]
    assert created == [None, None]


def test_a_new_enum_value_is_used_after_a_commit_as_in_a_deploy(server, history):
    """PostgreSQL lets a new enum value be used only once committed, which a rolled-back
    trial never is: such a pair is replayed for real. b2 (after b1 in its branch) is fine;
    c1, in the other branch, needs b1."""
    root = history(
        a0=(
            None,
            "op.execute(\"CREATE TYPE mood AS ENUM ('happy')\")\n"
            'op.execute("CREATE TABLE people (name text, mood mood)")',
        ),
        b1=("a0", "op.execute(\"ALTER TYPE mood ADD VALUE 'sad'\")"),
        b2=("b1", "op.execute(\"INSERT INTO people VALUES ('Bob', 'sad')\")"),
        c1=("a0", "op.execute(\"INSERT INTO people VALUES ('Ann', 'sad')\")"),
        m3=(("b2", "c1"), ""),
    )
    assert found(check(server, root)) == [("MC401", "c1", "revision b1", "b1")]


def _databases_of(server, run_id):
    with server.admin() as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
            (f"migcheck_{run_id}",),
        ).fetchall()
    return [name for (name,) in rows]


def test_run_checks_branch_order_in_a_worker_process_beside_the_stairway(server, history):
    """`migcheck run` checks branch order in a second process (the second core); its
    findings come back, and the databases it made are gone."""
    root = history(a0=(None, COLORS), b1=("a0", WHITE), c1=("a0", OFF_WHITE), m2=(MERGE, ""))
    result = run(server, root, "branch-order")
    assert [(f.code, f.location.revision) for f in result.findings] == [("MC401", "c1")]
    assert _databases_of(server, f"{server.run_id}b") == []


def test_a_cancelled_worker_drops_its_databases(server, history):
    slow = 'op.execute("SELECT pg_sleep(30)")'
    root = history(a0=(None, COLORS), b1=("a0", slow), c1=("a0", WHITE), m2=(MERGE, ""))
    worker = in_background(load_project(root), server, ReplayOptions())
    assert worker is not None
    deadline = time.monotonic() + 20
    while not _databases_of(server, f"{server.run_id}b") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _databases_of(server, f"{server.run_id}b")  # it is at work
    worker.cancel()
    assert _databases_of(server, f"{server.run_id}b") == []
    assert worker.process.exitcode is not None


def test_no_merge_starts_no_worker(server, history):
    root = history(a0=(None, ITEMS), b1=("a0", WHITE.replace("colors", "items")))
    assert in_background(load_project(root), server, ReplayOptions()) is None
