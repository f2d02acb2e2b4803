"""Overhead of `migcheck replay` over plain `alembic upgrade heads`, and embedded start time.

Usage: python bench/replay_overhead.py [N ...]   (default: 50 200)
Both run on the same embedded server, each on a fresh database, best of 3.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from alembic import command

from migcheck.project import load_project, make_config
from migcheck.replay.runner import ReplayOptions, replay
from migcheck.server.embedded import EmbeddedServer

ENV = """
from alembic import context
config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
"""

REVISION = '''"""revision {n}"""
from alembic import op
import sqlalchemy as sa

revision = "r{n:04d}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "t{n:04d}",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("t{parent:04d}.id")),
    )
    op.create_index("ix_t{n:04d}_parent", "t{n:04d}", ["parent_id"])
    op.execute("INSERT INTO t{n:04d} (name) VALUES ('a'), ('b') ON CONFLICT DO NOTHING")


def downgrade():
    op.drop_table("t{n:04d}")
'''


def make_history(root: Path, n: int) -> Path:
    (root / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s\n")
    (root / "env.py").write_text(ENV)
    for i in range(n):
        down = "None" if i == 0 else f'"r{i - 1:04d}"'
        parent = i if i == 0 else i - 1
        text = REVISION.format(n=i, down=down, parent=parent)
        if i == 0:
            text = text.replace(', sa.ForeignKey("t0000.id")', "")
        (root / "versions" / f"r{i:04d}.py").write_text(text)
    return root


def plain_alembic(server: EmbeddedServer, project_dir: Path) -> float:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    project = load_project(project_dir)
    config = make_config(project.files)
    started = time.perf_counter()  # like migcheck: create the fresh database, upgrade, drop it
    database = server.create_database("plain")
    try:
        engine = create_engine(server.url(database), poolclass=NullPool)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        engine.dispose()
    finally:
        server.drop_database(database)
    return time.perf_counter() - started


def migcheck_replay(server: EmbeddedServer, project_dir: Path) -> float:
    project = load_project(project_dir)
    started = time.perf_counter()
    replay(project, server, ReplayOptions())
    return time.perf_counter() - started


def embedded_start() -> float:
    started = time.perf_counter()
    with EmbeddedServer():
        elapsed = time.perf_counter() - started
    return elapsed


def main(sizes: list[int]) -> None:
    import logging

    logging.disable(logging.INFO)
    start = min(embedded_start() for _ in range(3))
    print(f"embedded server start (cached initdb), best of 3: {start:.2f} s")
    print("| revisions | alembic upgrade heads (s) | migcheck replay (s) | ratio |")
    print("|---:|---:|---:|---:|")
    with EmbeddedServer() as server, tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            project_dir = make_history(Path(tmp) / f"h{n}", n)
            plain = min(plain_alembic(server, project_dir) for _ in range(3))
            ours = min(migcheck_replay(server, project_dir) for _ in range(3))
            print(f"| {n} | {plain:.2f} | {ours:.2f} | {ours / plain:.2f}x |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 200])
