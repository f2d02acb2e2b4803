"""Layouts of real projects: folders chosen at run time, nested folders, own version tables,
revision ids that are not hex, and revisions leaving the transaction."""

from __future__ import annotations

from histkit import COLORS_WITH_NAME, TABLE, codes, migcheck, statuses, write


def source(revision: str, down: str | None, upgrade: str, downgrade: str = "pass") -> str:
    return (
        f'"""{revision}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f"revision = {revision!r}\ndown_revision = {down!r}\n"
        "branch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    {downgrade}\n"
    )


# env.py picks the folders for the dialect at run time: alembic.ini names none of them.
DIALECT_ENV = """
from pathlib import Path

from alembic import context
from sqlalchemy.engine import make_url

config = context.config
dialect = make_url(config.get_main_option("sqlalchemy.url")).get_backend_name()
here = Path(__file__).parent
context.script.version_locations = [
    str(here / "versions" / "common"), str(here / "versions" / dialect)
]
context.configure(connection=config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
"""


def test_per_dialect_version_folders(history, server) -> None:
    root = history(env=DIALECT_ENV)
    write(
        root,
        {
            "versions/common/a1_colors.py": source(
                "a1", None, TABLE.format("colors"), 'op.drop_table("colors")'
            ),
            "versions/postgresql/b2_name.py": source(
                "b2",
                "a1",
                'op.execute("ALTER TABLE colors ADD COLUMN name text COLLATE \\"C\\"")',
                'op.drop_column("colors", "name")',
            ),
            "versions/sqlite/b2_name.py": source(
                "b2", "a1", 'op.add_column("colors", sa.Column("name", sa.Text))'
            ),
            "pyproject.toml": """
                [tool.migcheck]
                # env.py chooses versions/<dialect>; say which ones PostgreSQL gets
                version_locations = ["versions/common", "versions/postgresql"]
                """,
        },
    )
    code, result = migcheck(server, "run", root)
    assert statuses(result) == [("a1", "ok"), ("b2", "ok")]
    assert result.revisions[1].path.endswith("versions/postgresql/b2_name.py")
    assert (code, codes(result.findings)) == (0, [])


def test_nested_version_folders(history, server) -> None:
    root = history(ini_extra="recursive_version_locations = true\n")
    write(
        root,
        {
            "versions/2024/01/a1.py": source(
                "a1", None, TABLE.format("colors"), 'op.drop_table("colors")'
            ),
            "versions/2025/b2.py": source(
                "b2",
                "a1",
                'op.add_column("colors", sa.Column("name", sa.Text))',
                'op.drop_column("colors", "name")',
            ),
        },
    )
    code, result = migcheck(server, "run", root)
    assert statuses(result) == [("a1", "ok"), ("b2", "ok")]
    assert (code, codes(result.findings)) == (0, [])


def test_own_version_tables_are_not_reported_as_data(history, server) -> None:
    # Two histories in one database, each with its own version table (chosen with -x).
    env = """
    from alembic import context

    config = context.config
    part = context.get_x_argument(as_dictionary=True).get("part", "core")
    context.configure(
        connection=config.attributes["connection"], version_table=f"{part}_version"
    )
    with context.begin_transaction():
        context.run_migrations()
    """
    root = history(
        env=env,
        **COLORS_WITH_NAME,
    )
    code, result = migcheck(server, "run", root, "-x", "part=shop")
    assert statuses(result) == [("a1", "ok"), ("b2", "ok")]
    assert (code, codes(result.findings)) == (0, [])


def test_revision_ids_that_are_not_hex(history, server) -> None:
    root = history(
        **{
            "v1.3.0.a": source("v1.3.0.a", None, TABLE.format("colors"), 'op.drop_table("colors")'),
            "v1.4.0.a": source(
                "v1.4.0.a",
                "v1.3.0.a",
                'op.add_column("colors", sa.Column("name", sa.Text))',
                'op.drop_column("colors", "nope")',
            ),
        }
    )
    code, result = migcheck(server, "run", root)
    assert statuses(result) == [("v1.3.0.a", "ok"), ("v1.4.0.a", "ok")]
    assert codes(result.findings) == [("MC201", "v1.4.0.a", "downgrade missing_object")]
    assert result.findings[0].location.path.endswith("001_v1.4.0.a.py")
    assert result.findings[0].location.line == 16
    assert code == 1


def test_concurrent_index_in_an_autocommit_block(history, server) -> None:
    root = history(
        **COLORS_WITH_NAME,
        c3=(
            "b2",
            "with op.get_context().autocommit_block():\n"
            '    op.create_index("ix_colors_name", "colors", ["name"],'
            " postgresql_concurrently=True)",
            "with op.get_context().autocommit_block():\n"
            '    op.drop_index("ix_colors_name", postgresql_concurrently=True)',
        ),
        d4=(
            "c3",
            'op.add_column("colors", sa.Column("code", sa.Text))',
            'op.drop_column("colors", "code")',
        ),
    )
    code, result = migcheck(server, "run", root)
    assert statuses(result) == [("a1", "ok"), ("b2", "ok"), ("c3", "ok"), ("d4", "ok")]
    assert (code, codes(result.findings)) == (0, [])
    create = result.revisions[2].upgrade.statements
    assert [s.sql for s in create] == ["CREATE INDEX CONCURRENTLY ix_colors_name ON colors (name)"]
