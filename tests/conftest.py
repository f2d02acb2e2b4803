"""Shared fixtures: one real embedded PostgreSQL for the session, throwaway databases per test,
and a builder for small Alembic histories written into tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from migcheck.server.embedded import EmbeddedServer

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_migrations"

STANDARD_ENV = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = None


def run_migrations_online():
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section), prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        connectable = engine.connect()
    context.configure(connection=connectable, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
"""


@pytest.fixture(scope="session")
def server() -> Iterator[EmbeddedServer]:
    """A real PostgreSQL started by the test session itself (no server needs to run)."""
    with EmbeddedServer() as started:
        yield started


@pytest.fixture
def database(server: EmbeddedServer) -> Iterator[str]:
    """A fresh throwaway database, dropped after the test."""
    name = server.create_database("test")
    yield name
    server.drop_database(name)


def revision_source(
    revision: str,
    down: str | tuple[str, ...] | None,
    upgrade: str,
    downgrade: str = "pass",
    doc: str = "",
    header: str = "",
    depends_on: str | None = None,
) -> str:
    """A revision file whose upgrade/downgrade bodies are given as indented-free code."""
    body_up = textwrap.indent(textwrap.dedent(upgrade).strip() or "pass", "    ")
    body_down = textwrap.indent(textwrap.dedent(downgrade).strip() or "pass", "    ")
    return (
        f'"""{doc or revision}"""\n'
        "from alembic import op\n"
        "import sqlalchemy as sa\n"
        f"{textwrap.dedent(header)}\n"
        f"revision = {revision!r}\n"
        f"down_revision = {down!r}\n"
        "branch_labels = None\n"
        f"depends_on = {depends_on!r}\n\n\n"
        f"def upgrade():\n{body_up}\n\n\n"
        f"def downgrade():\n{body_down}\n"
    )


HistoryBuilder = Callable[..., Path]


@pytest.fixture
def history(tmp_path: Path) -> HistoryBuilder:
    """Write an Alembic project: `history(a1=(None, up, down), b2=("a1", up, down), ...)`.

    Values are (down_revision, upgrade body[, downgrade body]) or full file sources (str).
    Returns the project folder (holding alembic.ini).
    """

    def build(env: str = STANDARD_ENV, ini_extra: str = "", **revisions: object) -> Path:
        root = tmp_path / "project"
        versions = root / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        (root / "alembic.ini").write_text(
            "[alembic]\nscript_location = %(here)s\n"
            "sqlalchemy.url = postgresql+psycopg://localhost/placeholder\n" + ini_extra
        )
        (root / "env.py").write_text(textwrap.dedent(env))
        for number, (name, spec) in enumerate(revisions.items()):
            if isinstance(spec, str):
                source = spec
            else:
                down, upgrade, *rest = spec  # type: ignore[misc]
                source = revision_source(name, down, upgrade, *(rest or []))
            (versions / f"{number:03d}_{name}.py").write_text(source)
        return root

    return build
