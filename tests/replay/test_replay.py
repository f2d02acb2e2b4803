"""Replay order, capture, branches, env.py handling and the result model, on real PostgreSQL."""

from __future__ import annotations

import json

from migcheck.model import RunResult, Status
from migcheck.project import load_project
from migcheck.replay.runner import ReplayOptions, replay

TABLE = 'op.create_table("{0}", sa.Column("id", sa.Integer, primary_key=True))'
DROP = 'op.drop_table("{0}")'


def test_linear_history_replays_in_order_with_captured_statements(history, server) -> None:
    root = history(
        a1=(None, TABLE.format("colors"), DROP.format("colors")),
        b2=("a1", 'op.execute("INSERT INTO colors (id) VALUES (1), (2)")', "pass"),
    )
    results = replay(load_project(root), server, ReplayOptions())
    assert [(r.revision, r.status) for r in results] == [("a1", Status.OK), ("b2", Status.OK)]
    insert = results[1].upgrade.statements
    assert [(s.sql, s.rowcount, s.line) for s in insert] == [
        ("INSERT INTO colors (id) VALUES (1), (2)", 2, 12)
    ]
    assert results[0].upgrade.statements[0].sql.strip().startswith("CREATE TABLE colors")
    assert results[1].down_revisions == ["a1"]


def test_failure_on_one_branch_skips_only_its_descendants(history, server) -> None:
    root = history(
        a1=(None, TABLE.format("colors"), DROP.format("colors")),
        b2=("a1", 'op.execute("INSERT INTO nowhere VALUES (1)")'),
        c3=("a1", TABLE.format("sizes"), DROP.format("sizes")),
        d4=(("b2", "c3"), "pass"),
        e5=("d4", "pass"),
    )
    results = {r.revision: r for r in replay(load_project(root), server, ReplayOptions())}
    assert results["b2"].status is Status.FAILED
    assert results["c3"].status is Status.OK
    assert results["d4"].status is Status.SKIPPED
    assert results["d4"].skipped_because == "b2 failed"
    assert results["e5"].skipped_because == "b2 failed"
    assert results["d4"].is_merge


def test_depends_on_is_respected(history, server) -> None:
    root = history(
        a1=(None, TABLE.format("colors"), DROP.format("colors")),
        b2=(None, TABLE.format("sizes"), DROP.format("sizes")),
    )
    # c3 lives on the sizes branch but inserts into colors: depends_on orders it after a1
    (root / "versions" / "002_c3.py").write_text(
        '"""c3"""\nfrom alembic import op\nrevision = "c3"\ndown_revision = "b2"\n'
        'branch_labels = None\ndepends_on = "a1"\n\n'
        'def upgrade():\n    op.execute("INSERT INTO colors VALUES (1)")\n\n'
        "def downgrade():\n    pass\n"
    )
    results = replay(load_project(root), server, ReplayOptions())
    order = [r.revision for r in results]
    assert order.index("a1") < order.index("c3")
    assert all(r.status is Status.OK for r in results)


def test_env_py_reading_url_from_config_gets_the_throwaway_database(history, server) -> None:
    env = """
    from alembic import context
    from sqlalchemy import engine_from_config, pool
    config = context.config
    engine = engine_from_config(config.get_section(config.config_ini_section),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    """
    root = history(env=env, a1=(None, TABLE.format("colors"), DROP.format("colors")))
    options = ReplayOptions(pass_connection=False)
    results = replay(load_project(root), server, options)
    assert results[0].status is Status.OK
    assert results[0].upgrade.statements


def test_env_py_reading_an_environment_variable(history, server, monkeypatch) -> None:
    env = """
    import os
    from alembic import context
    from sqlalchemy import create_engine, pool
    engine = create_engine(os.environ["APP_DATABASE_URL"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    """
    monkeypatch.delenv("APP_DATABASE_URL", raising=False)
    root = history(env=env, a1=(None, TABLE.format("colors"), DROP.format("colors")))
    options = ReplayOptions(url_env=["APP_DATABASE_URL"], pass_connection=False)
    results = replay(load_project(root), server, options)
    assert results[0].status is Status.OK
    assert "APP_DATABASE_URL" not in __import__("os").environ


def test_result_round_trips_through_json(history, server) -> None:
    from migcheck.model import ProjectInfo, ServerInfo

    root = history(
        a1=(None, TABLE.format("colors"), DROP.format("colors")),
        b2=("a1", 'op.execute("INSERT INTO nowhere VALUES (1)")'),
    )
    result = RunResult(
        command="replay",
        project=ProjectInfo(config_file="alembic.ini", script_location="."),
        server=server.info,
        revisions=replay(load_project(root), server, ReplayOptions()),
    )
    again = RunResult.from_dict(json.loads(result.to_json()))
    assert again == result
    assert isinstance(again.server, ServerInfo)
    assert again.revisions[1].upgrade.failure.sqlstate == "42P01"


def test_throwaway_databases_are_dropped(history, server) -> None:
    root = history(a1=(None, TABLE.format("colors"), DROP.format("colors")))
    replay(load_project(root), server, ReplayOptions())
    with server.admin() as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()]
    assert not [n for n in names if n.startswith(f"migcheck_{server.run_id}_replay")]
