"""Round trip per revision (MC2xx): upgrade, downgrade, upgrade again, compared at catalog level."""

from __future__ import annotations

from runkit import found, run

from migcheck.checks import roundtrip
from migcheck.model import Statement, Status, StepResult

TABLE = 'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'
DROP = 'op.drop_table("t")'
MOOD = (
    'op.create_table("person", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("mood", sa.Enum("happy", "sad", name="mood")))'
)


def test_clean_round_trips_have_no_finding(history, server) -> None:
    root = history(
        a1=(None, TABLE, DROP),
        b2=("a1", 'op.add_column("t", sa.Column("x", sa.Text))', 'op.drop_column("t", "x")'),
        c3=("b2", MOOD, 'op.drop_table("person")\nsa.Enum(name="mood").drop(op.get_bind())'),
        d4=(
            "c3",
            "op.execute(\"INSERT INTO t (id, x) VALUES (1, 'one') ON CONFLICT DO NOTHING\")",
            'op.execute("DELETE FROM t WHERE id = 1")',
        ),
        e5=(
            "d4",
            "with op.get_context().autocommit_block():\n"
            '    op.execute("CREATE INDEX CONCURRENTLY ix_t_x ON t (x)")',
            "with op.get_context().autocommit_block():\n"
            '    op.execute("DROP INDEX CONCURRENTLY ix_t_x")',
        ),
    )
    result = run(server, root, "roundtrip")
    assert found(result.findings) == []
    assert all(
        r.downgrade is not None and r.downgrade.status is Status.OK for r in result.revisions
    )


def test_enum_left_behind_is_named_and_the_stairway_goes_on(history, server) -> None:
    root = history(
        a1=(None, MOOD, 'op.drop_table("person")'),
        b2=("a1", TABLE, DROP),
    )
    result = run(server, root, "roundtrip")
    assert found(result.findings) == [
        ("MC205", "a1", "upgrade duplicate_object"),
        ("MC202", "a1", "enum public.mood"),
    ]
    again, leftover = result.findings
    assert leftover.location.line == 15  # def downgrade
    assert 'type "mood" already exists' in again.message
    assert again.location.line == 12  # the create_table call
    assert result.revision("b2").status is Status.OK


def test_downgrade_removing_too_much(history, server) -> None:
    root = history(
        a1=(None, TABLE, DROP),
        b2=("a1", 'op.add_column("t", sa.Column("x", sa.Text))', DROP),
    )
    assert found(run(server, root, "roundtrip").findings) == [
        ("MC205", "b2", "upgrade missing_object"),
        ("MC203", "b2", "table public.t"),
    ]


def test_downgrade_not_restoring_an_attribute(history, server) -> None:
    root = history(
        a1=(None, 'op.create_table("t", sa.Column("x", sa.Integer))', DROP),
        b2=("a1", 'op.alter_column("t", "x", type_=sa.BigInteger)', "pass"),
    )
    result = run(server, root, "roundtrip")
    assert found(result.findings) == [("MC204", "b2", "column public.t.x type")]
    assert "integer before the upgrade, bigint after it" in result.findings[0].message


def test_rows_left_behind_by_a_data_downgrade(history, server) -> None:
    root = history(
        a1=(None, 'op.create_table("t", sa.Column("code", sa.Text, primary_key=True))', DROP),
        b2=("a1", "op.execute(\"INSERT INTO t VALUES ('x') ON CONFLICT DO NOTHING\")", "pass"),
    )
    result = run(server, root, "roundtrip")
    assert found(result.findings) == [("MC202", "b2", "row public.t(code='x')")]


def test_failed_downgrade_is_located_and_the_stairway_goes_on(history, server) -> None:
    root = history(
        a1=(None, TABLE, DROP),
        b2=("a1", 'op.create_table("u", sa.Column("id", sa.Integer))', 'op.drop_table("nope")'),
        c3=("b2", 'op.add_column("t", sa.Column("x", sa.Text))', 'op.drop_column("t", "x")'),
    )
    result = run(server, root, "roundtrip")
    assert found(result.findings) == [("MC201", "b2", "downgrade missing_object")]
    failure = result.findings[0]
    assert failure.location.line == 16 and failure.location.path.endswith("001_b2.py")
    assert 'table "nope" does not exist' in failure.message
    assert failure.sql and "DROP TABLE nope" in failure.sql
    b2, c3 = result.revision("b2"), result.revision("c3")
    assert b2.downgrade.status is Status.FAILED and b2.status is Status.OK
    assert c3.status is Status.OK and c3.downgrade.status is Status.OK


def test_irreversible_downgrades_are_reported_once_at_info(history, server) -> None:
    root = history(
        a1=(None, TABLE, DROP),
        b2=("a1", "pass", 'raise NotImplementedError("data is gone")'),
        c3=("b2", "pass", 'op.drop_table("nope")'),
    )
    result = run(server, root, "roundtrip", irreversible=frozenset({"c3"}))
    assert [(f.code, f.severity.value, f.location.revision) for f in result.findings] == [
        ("MC207", "info", "b2"),
        ("MC207", "info", "c3"),
    ]
    assert "data is gone" in result.findings[0].message
    assert result.revision("c3").downgrade is None  # listed: not run at all


def test_round_trips_and_reruns_leave_sequences_where_a_fresh_database_has_them(
    history, server
) -> None:
    """Rolled-back round trips and re-runs call nextval (ON CONFLICT DO NOTHING too), which
    no rollback undoes: unless the sequences are put back, the next revision sees a sequence
    position no fresh database has (here it fails when it does)."""
    colors = (
        'op.execute("CREATE TABLE IF NOT EXISTS colors (id serial PRIMARY KEY, name text UNIQUE)")'
        "\nop.execute(\"INSERT INTO colors (name) VALUES ('White') ON CONFLICT DO NOTHING\")"
    )
    expect_two = (
        'op.execute("DO $$ BEGIN IF (SELECT last_value FROM colors_id_seq) <> 2 THEN '
        "RAISE EXCEPTION 'sequence at %', (SELECT last_value FROM colors_id_seq); "
        'END IF; END $$")'
    )
    root = history(
        a1=(None, colors, 'op.execute("DROP TABLE colors")'),
        b2=(
            "a1",
            "op.execute(\"INSERT INTO colors (name) VALUES ('Black') ON CONFLICT DO NOTHING\")",
            "op.execute(\"DELETE FROM colors WHERE name = 'Black'\")",
        ),
        c3=("b2", expect_two, "pass"),
    )
    result = run(server, root, "roundtrip", "data")
    assert found(result.findings) == []
    assert all(r.status is Status.OK for r in result.revisions)


def test_second_upgrade_differing_is_named(history, server) -> None:
    # The downgrade alters the table instead of dropping it; CREATE TABLE IF NOT EXISTS then
    # keeps the altered table, so the second upgrade differs from the first.
    root = history(
        a1=(
            None,
            'op.execute("CREATE TABLE IF NOT EXISTS t (id int)")',
            'op.execute("ALTER TABLE t ADD COLUMN note text")',
        ),
    )
    result = run(server, root, "roundtrip")
    assert found(result.findings) == [  # by line: def upgrade, then def downgrade
        ("MC206", "a1", "column public.t.note"),
        ("MC202", "a1", "table public.t"),
    ]


def test_volatile_defaults_do_not_make_the_second_upgrade_differ(history, server) -> None:
    # Rows stamped by clock_timestamp() get another stamp on the second upgrade: the same
    # statements on the same database, not a defect.
    root = history(
        a1=(
            None,
            'op.create_table("c", sa.Column("id", sa.Integer, primary_key=True),'
            ' sa.Column("name", sa.Text, unique=True),'
            ' sa.Column("at", sa.DateTime, server_default=sa.func.clock_timestamp()))',
            'op.drop_table("c")',
        ),
        b2=(
            "a1",
            "op.execute(\"INSERT INTO c (name) VALUES ('red'), ('blue')\")",
            'op.execute("DELETE FROM c")',
        ),
    )
    assert found(run(server, root, "roundtrip").findings) == []


def test_second_upgrade_runs_only_where_its_outcome_is_not_foregone(
    history, server, monkeypatch
) -> None:
    # A downgrade that came back exactly after an upgrade whose effects a snapshot sees:
    # the second upgrade would rebuild the same; the rollback returns the first one's
    # result. A temporary table is beyond the snapshot (it lives in the session), so the
    # second upgrade runs there, and fails: the downgrade forgot it.
    calls: list[tuple[str, str]] = []
    original = roundtrip._call

    def counted(director, script, direction, contained):
        calls.append((script.revision, direction))
        return original(director, script, direction, contained)

    monkeypatch.setattr(roundtrip, "_call", counted)
    root = history(
        a1=(None, TABLE, DROP),
        b2=("a1", 'op.execute("INSERT INTO t (id) VALUES (1)")', 'op.execute("DELETE FROM t")'),
        c3=("b2", 'op.execute("CREATE TEMP TABLE scratch (n int)")', "pass"),
    )
    result = run(server, root, "roundtrip")
    assert calls == [
        ("a1", "downgrade"),
        ("b2", "downgrade"),
        ("c3", "downgrade"),
        ("c3", "upgrade"),
    ]
    assert found(result.findings) == [("MC205", "c3", "upgrade duplicate_object")]


def test_effects_seen_by_a_snapshot() -> None:
    def step(*sql: str) -> StepResult:
        return StepResult(
            direction="upgrade",
            status=Status.OK,
            statements=[Statement(sql=s, duration_ms=0.0) for s in sql],
        )

    assert roundtrip._effects_seen(
        step(
            "CREATE TABLE t (id int)",
            "create unique index ix on t (id)",
            "/* seed */ INSERT INTO t VALUES (1)",
            "ALTER TABLE t ADD COLUMN x text",
            "CREATE OR REPLACE VIEW v AS SELECT 1",
            "COMMENT ON TABLE t IS 'x'",
        )
    )
    for beyond in (
        "CREATE ROLE reader",
        "DO $$ BEGIN PERFORM 1; END $$",
        "CREATE TEMP TABLE s (n int)",
        "ALTER DATABASE app SET timezone = 'UTC'",
        "CREATE PUBLICATION p FOR ALL TABLES",
    ):
        assert not roundtrip._effects_seen(step("CREATE TABLE t (id int)", beyond)), beyond
    assert not roundtrip._effects_seen(None)
