"""Histories that do not start from an empty database: [tool.migcheck.bootstrap]."""

from __future__ import annotations

from histkit import codes, migcheck, statuses, write

LEGACY_SQL = """
-- the schema of installations that predate Alembic
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);
CREATE TABLE accounts (id serial PRIMARY KEY, owner_id integer REFERENCES users (id));
INSERT INTO users (email) VALUES ('first@example.com');
"""

# The first revision alters tables it never creates.
ALTERS_LEGACY = (
    None,
    'op.add_column("users", sa.Column("name", sa.Text))\n'
    'op.add_column("accounts", sa.Column("note", sa.Text))',
    'op.drop_column("accounts", "note")\nop.drop_column("users", "name")',
)
BRANCHES = {
    "b2": (
        "a1",
        'op.create_index("ix_accounts_owner", "accounts", ["owner_id"])',
        'op.drop_index("ix_accounts_owner")',
    ),
    "c2": (
        "a1",
        'op.create_index("ix_users_email", "users", ["email"], unique=True)',
        'op.drop_index("ix_users_email")',
    ),
    "d3": (("b2", "c2"), "pass"),
}


def test_sql_bootstrap_replays_and_round_trips_without_false_findings(history, server) -> None:
    root = history(a1=ALTERS_LEGACY, **BRANCHES)
    write(
        root,
        {
            "legacy.sql": LEGACY_SQL,
            "pyproject.toml": '[tool.migcheck.bootstrap]\nsql = "legacy.sql"\n',
        },
    )
    code, result = migcheck(server, "run", root)
    assert sorted(statuses(result)) == [("a1", "ok"), ("b2", "ok"), ("c2", "ok"), ("d3", "ok")]
    # a1's downgrade is compared with the bootstrapped database (users, accounts, one row):
    # nothing is "removed too much" or "left behind", and branch order finds nothing either.
    # The indexes are built on tables that exist before the history: true lint warnings.
    assert sorted(codes(result.findings)) == [
        ("MC801", "b2", "index ix_accounts_owner"),
        ("MC801", "c2", "index ix_users_email"),
    ]
    assert code == 0
    assert all(r.downgrade.status.value == "ok" for r in result.revisions)


def test_without_bootstrap_the_failure_names_the_expected_tables(history, server) -> None:
    root = history(a1=ALTERS_LEGACY, **BRANCHES)
    code, result = migcheck(server, "replay", root)
    assert code == 1
    assert statuses(result)[0] == ("a1", "failed")
    failure = result.revisions[0].upgrade.failure
    assert failure.summary == (
        'missing object: relation "users" does not exist; the first revision expects tables '
        "that no revision creates: users, accounts — configure [tool.migcheck.bootstrap] "
        "(see docs/recipes.md#bootstrap)"
    )
    assert failure.line == 12


def test_only_the_first_revision_gets_the_bootstrap_hint(history, server) -> None:
    root = history(
        a1=(None, 'op.create_table("users", sa.Column("id", sa.Integer))'),
        b2=("a1", 'op.add_column("user", sa.Column("name", sa.Text))'),  # a typo, not legacy
    )
    code, result = migcheck(server, "replay", root)
    failure = result.revisions[1].upgrade.failure
    assert code == 1
    assert failure.summary == 'missing object: relation "user" does not exist'


def test_callable_bootstrap_runs_once_per_run_and_is_forked(history, server) -> None:
    root = history(a1=ALTERS_LEGACY, **BRANCHES)
    write(
        root,
        {
            "legacy.sql": LEGACY_SQL,
            "legacy_schema.py": """
                from pathlib import Path

                def create(connection):
                    here = Path(__file__).parent
                    with (here / "calls.log").open("a") as log:
                        log.write("call\\n")
                    connection.exec_driver_sql((here / "legacy.sql").read_text())
                """,
            "pyproject.toml": '[tool.migcheck.bootstrap]\ncallable = "legacy_schema:create"\n',
        },
    )
    code, result = migcheck(server, "run", root, "--ignore", "MC801")
    assert (code, codes(result.findings)) == (0, [])
    # the stairway's database and branch order's are copies of one bootstrap
    assert (root / "calls.log").read_text() == "call\n"


LEGACY_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
)
"""
MODELS_ENV = """
from alembic import context
import models

config = context.config
target_metadata = models.metadata
context.configure(connection=config.attributes["connection"], target_metadata=target_metadata)
with context.begin_transaction():
    context.run_migrations()
"""
STAMPED_HISTORY = {
    # what new installations get from create_all (models.py) and `alembic stamp b2`
    "a1": (None, 'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))'),
    "b2": (
        "a1",
        'op.add_column("users", sa.Column("email", sa.Text, nullable=False))\n'
        'op.add_column("users", sa.Column("name", sa.Text))',
    ),
    # replayed on top of it
    "c3": (
        "b2",
        'op.create_index("ix_users_email", "users", ["email"])',
        'op.drop_index("ix_users_email")',
    ),
}


def test_create_all_from_env_target_metadata_then_stamp(history, server) -> None:
    root = history(env=MODELS_ENV, **STAMPED_HISTORY)
    write(
        root,
        {
            "models.py": LEGACY_MODELS,
            "pyproject.toml": '[tool.migcheck.bootstrap]\ncreate_all = "b2"\n',
        },
    )
    code, result = migcheck(server, "replay", root)
    assert (code, statuses(result)) == (0, [("c3", "ok")])


def test_create_all_from_frozen_metadata_then_run(history, server) -> None:
    head_models = LEGACY_MODELS + '\nsa.Index("ix_users_email", users.c.email)\n'
    root = history(env=MODELS_ENV, **STAMPED_HISTORY)
    write(
        root,
        {
            "models.py": head_models,
            "legacy_models.py": LEGACY_MODELS,
            "pyproject.toml": """
                [tool.migcheck.bootstrap]
                create_all = "b2"
                metadata = "legacy_models:metadata"
                """,
        },
    )
    code, result = migcheck(server, "run", root, "--ignore", "MC801")
    assert statuses(result) == [("c3", "ok")]
    assert (code, codes(result.findings)) == (0, [])  # models at head match the replay too


def test_bad_bootstrap_configuration_is_one_line(history, server, capsys) -> None:
    from migcheck.cli import main

    root = history(a1=ALTERS_LEGACY)
    write(root, {"pyproject.toml": '[tool.migcheck.bootstrap]\nsql = "x.sql"\ncreate_all = "a1"\n'})
    assert main(["replay", str(root), "--server", "embedded"]) == 2
    assert "set exactly one of sql, callable, create_all" in capsys.readouterr().err
    write(root, {"pyproject.toml": '[tool.migcheck.bootstrap]\ncreate_all = "zz9"\n'})
    assert main(["replay", str(root), "--server", "embedded"]) == 2
    assert "stamp revision 'zz9' is not in the history" in capsys.readouterr().err
