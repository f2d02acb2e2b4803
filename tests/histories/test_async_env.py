"""Async env.py (asyncpg, psycopg's async mode): the URL comes in the driver form env.py
expects, and every statement is still captured with its revision and line."""

from __future__ import annotations

import pytest
from histkit import TABLE, codes, migcheck, statuses, write

# Alembic's own `alembic init -t async` env.py, plus a line recording the URL's driver.
ASYNC_ENV = """
import asyncio
from pathlib import Path

from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import async_engine_from_config

config = context.config
Path(config.config_file_name).with_name("driver.log").write_text(
    config.get_main_option("sqlalchemy.url").split(":")[0]
)


def do_run_migrations(connection):
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations():
    connectable = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await connectable.dispose()


asyncio.run(run_async_migrations())
"""
INI = "[alembic]\nscript_location = %(here)s\nsqlalchemy.url = {}://app@localhost/app\n"
COLORS = {
    "a1": (
        None,
        'op.create_table("colors", sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("parent_id", sa.Integer, sa.ForeignKey("colors.id")))',
        'op.drop_table("colors")',
    ),
    "b2": (
        "a1",
        'op.add_column("colors", sa.Column("name", sa.Text))',
        'op.drop_column("colors", "name")',
    ),
}


@pytest.mark.parametrize("driver", ["postgresql+asyncpg", "postgresql+psycopg"])
def test_async_env_runs_with_its_own_driver_and_is_checked(history, server, driver) -> None:
    root = history(env=ASYNC_ENV, **COLORS)
    write(root, {"alembic.ini": INI.format(driver)})
    code, result = migcheck(server, "run", root)
    assert (root / "driver.log").read_text() == driver
    assert statuses(result) == [("a1", "ok"), ("b2", "ok")]
    assert (code, codes(result.findings)) == (0, [])
    add_column = result.revisions[1].upgrade.statements
    assert [(s.sql, s.line) for s in add_column] == [
        ("ALTER TABLE colors ADD COLUMN name TEXT", 12)
    ]
    assert result.revisions[1].downgrade.statements[0].sql.startswith("ALTER TABLE colors DROP")


def test_async_failure_is_classified_with_its_line(history, server) -> None:
    root = history(
        env=ASYNC_ENV,
        **COLORS,
        c3=("b2", 'op.execute("INSERT INTO colors (id, parent_id) VALUES (2, 1)")'),
    )
    write(root, {"alembic.ini": INI.format("postgresql+asyncpg")})
    code, result = migcheck(server, "replay", root)
    assert code == 1
    failure = result.revisions[2].upgrade.failure
    assert (failure.kind.value, failure.sqlstate, failure.line) == (
        "foreign_key_violation",
        "23503",
        12,
    )
    assert failure.constraint == "colors_parent_id_fkey"
    assert failure.statement == "INSERT INTO colors (id, parent_id) VALUES (2, 1)"


def test_app_turning_a_plain_url_into_asyncpg(history, server) -> None:
    # The application's settings hold postgresql://... and pick the async driver themselves.
    env = """
    import asyncio
    import os

    from alembic import context
    from sqlalchemy.ext.asyncio import create_async_engine

    url = os.environ["APP_DATABASE_URL"]
    assert url.startswith("postgresql://"), url
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))


    def run(connection):
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


    async def main():
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()


    asyncio.run(main())
    """
    root = history(env=env, a1=(None, TABLE.format("colors"), 'op.drop_table("colors")'))
    write(
        root,
        {
            "pyproject.toml": """
                [tool.migcheck]
                url_env = ["APP_DATABASE_URL"]
                driver = "default"
                """
        },
    )
    code, result = migcheck(server, "run", root)
    assert statuses(result) == [("a1", "ok")]
    assert (code, codes(result.findings)) == (0, [])
