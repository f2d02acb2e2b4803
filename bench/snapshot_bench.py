"""Snapshot and diff timings on a 200-table schema (figures go to BENCHMARKS.md).

    .venv/bin/python bench/snapshot_bench.py [--tables 200] [--repeat 20]

Builds the schema on an embedded server: per table 8 columns (enum, numeric, jsonb,
timestamptz with default), a primary key, a foreign key to the previous table, a unique
constraint, a check, two indexes (one partial, one expression), a trigger, comments; plus a
view per 10 tables and a function per table. Then times, median of --repeat runs:
take_snapshot (schema only, and with 20 reference tables of 50 rows), diff_snapshots of two
identical snapshots and of snapshots with one change per table, blame over a 200-revision
history, to_dict + JSON round trip. Then, with --revisions N (default 200), writes an Alembic
history of N revisions (each adds a table with an index, every 10th also inserts reference
rows) and times: a plain replay; a replay with a full snapshot after every revision (the
naive blame, which migcheck does not do); the `diff` workflow against a dump of the same
history (clean: no blame needed) and against a dump with 3 differences (blame replays once
more, probing only the objects that differ).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from migcheck.diff import DiffOptions, blame, diff_snapshots
from migcheck.diff.workflow import diff_with_reference, replay_history
from migcheck.dump import render_reference, write_reference
from migcheck.project import load_project
from migcheck.replay.runner import ReplayOptions, replayed
from migcheck.server.embedded import EmbeddedServer
from migcheck.snapshot import (
    ALL_TABLES,
    PsycopgRunner,
    Snapshot,
    SnapshotOptions,
    take_snapshot,
)

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = config.attributes.get("connection")
if connectable is None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    ).connect()
context.configure(connection=connectable, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
"""


def schema_sql(tables: int) -> str:
    parts = ["CREATE TYPE status AS ENUM ('new', 'active', 'retired');"]
    parts.append(
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;"
    )
    for i in range(tables):
        parent = f", parent_id integer REFERENCES t{i - 1}(id) ON DELETE CASCADE" if i else ""
        parts.append(
            f"CREATE TABLE t{i} (id serial PRIMARY KEY, code text NOT NULL UNIQUE, "
            f"name varchar(200), amount numeric(12, 2) CHECK (amount >= 0), "
            f"state status DEFAULT 'new', attrs jsonb, "
            f"updated_at timestamptz DEFAULT now(){parent});"
        )
        parts.append(f"CREATE INDEX t{i}_name ON t{i} (lower(name));")
        parts.append(f"CREATE INDEX t{i}_active ON t{i} (updated_at) WHERE state = 'active';")
        parts.append(
            f"CREATE TRIGGER t{i}_touch BEFORE UPDATE ON t{i} "
            "FOR EACH ROW EXECUTE FUNCTION touch();"
        )
        parts.append(f"COMMENT ON TABLE t{i} IS 'table {i}';")
        parts.append(
            f"CREATE FUNCTION f{i}(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x + {i}';"
        )
        if i % 10 == 0:
            parts.append(f"CREATE VIEW v{i} AS SELECT id, code FROM t{i} WHERE amount > 0;")
    for i in range(20):
        parts.append(
            f"INSERT INTO t{i} (code, name, amount) "
            f"SELECT 'c' || n, 'name ' || n, n FROM generate_series(1, 50) n;"
        )
    return "\n".join(parts)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm the catalog caches, as a long run would have them
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def write_history(root: Path, revisions: int) -> Path:
    (root / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s\n"
        "sqlalchemy.url = postgresql+psycopg://localhost/placeholder\n"
    )
    (root / "env.py").write_text(ENV_PY)
    for i in range(revisions):
        down = repr(f"r{i - 1:03d}") if i else "None"
        parent = f", sa.Column('parent_id', sa.Integer, sa.ForeignKey('t{i - 1}.id'))" if i else ""
        seed = (
            f"    op.execute(\"INSERT INTO t{i} (code) SELECT 'c' || n FROM "
            f'generate_series(1, 20) n")\n'
            if i % 10 == 0
            else ""
        )
        (root / "versions" / f"r{i:03d}.py").write_text(
            textwrap.dedent(f"""\
                from alembic import op
                import sqlalchemy as sa

                revision = "r{i:03d}"
                down_revision = {down}


                def upgrade():
                    op.create_table(
                        "t{i}",
                        sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("code", sa.Text, nullable=False, unique=True){parent},
                    )
                    op.create_index("t{i}_code_lower", "t{i}", [sa.text("lower(code)")])
            """)
            + seed
        )
    return root


def timed_ms(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000, value


def replay_figures(server: EmbeddedServer, revisions: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="migcheck-bench-") as folder:
        project = load_project(write_history(Path(folder) / "project", revisions))
        options = ReplayOptions()
        started = time.perf_counter()
        with replayed(project, server, options, name="plain") as done:
            plain_ms = (time.perf_counter() - started) * 1000
            text = render_reference(server, done.database)
        clean, changed = Path(folder) / "clean.sql", Path(folder) / "changed.sql"
        write_reference(clean, text)
        # One index and one reference row that no revision creates: blame has to probe.
        write_reference(
            changed,
            text.replace(
                "CREATE INDEX t150_code_lower", "CREATE INDEX t150_code_lower_old"
            ).replace("1\tc1\n", "1\tc1\n99\tc99\n", 1),
        )
        every_revision_ms, _ = timed_ms(
            lambda: replay_history(
                project, server, options, SnapshotOptions(reference_tables=ALL_TABLES)
            )
        )

        def diff(reference: Path) -> object:
            return diff_with_reference(
                project, server, str(reference), options, SnapshotOptions(), DiffOptions()
            )

        clean_ms, outcome = timed_ms(lambda: diff(clean))
        assert outcome.differences == [], outcome.differences  # type: ignore[attr-defined]
        changed_ms, outcome = timed_ms(lambda: diff(changed))
        assert len(outcome.differences) == 3, outcome.differences  # type: ignore[attr-defined]
    return {
        f"replay of {revisions} revisions, no snapshot (ms)": plain_ms,
        "same replay + a full snapshot after every revision (ms)": every_revision_ms,
        "diff workflow, clean: load dump + replay + snapshots + diff (ms)": clean_ms,
        "diff workflow, 3 differences: + probing replay for blame (ms)": changed_ms,
        "  of which the blame probe replay (ms)": outcome.blame_ms,  # type: ignore[attr-defined]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--revisions", type=int, default=200, help="0 skips the replay part")
    args = parser.parse_args()
    with EmbeddedServer() as server:
        database = server.create_database("bench")
        with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
            conn.execute(schema_sql(args.tables))
            query = PsycopgRunner(conn)
            schema_only = SnapshotOptions()
            with_data = SnapshotOptions(reference_tables=[f"t{i}" for i in range(20)])
            snap = take_snapshot(query, schema_only)
            full = take_snapshot(query, with_data)
            conn.execute(
                "".join(
                    f"ALTER TABLE t{i} ALTER COLUMN name TYPE text;" for i in range(args.tables)
                )
            )
            changed = take_snapshot(query, with_data)
            history = [(f"rev{i:03d}", full) for i in range(args.tables)]
            differences = diff_snapshots(full, changed)
            figures = {
                "objects": len(snap.objects),
                "take_snapshot, schema only (ms)": median_ms(
                    lambda: take_snapshot(query, schema_only), args.repeat
                ),
                "take_snapshot, + 20 reference tables x 50 rows (ms)": median_ms(
                    lambda: take_snapshot(query, with_data), args.repeat
                ),
                "diff_snapshots, identical (ms)": median_ms(
                    lambda: diff_snapshots(full, full), args.repeat
                ),
                f"diff_snapshots, {len(differences)} differences (ms)": median_ms(
                    lambda: diff_snapshots(full, changed), args.repeat
                ),
                f"blame {len(differences)} differences over {len(history)} revisions (ms)": (
                    median_ms(lambda: blame(diff_snapshots(full, changed), history), args.repeat)
                ),
                "to_dict + JSON round trip (ms)": median_ms(
                    lambda: Snapshot.from_dict(json.loads(json.dumps(full.to_dict()))),
                    args.repeat,
                ),
            }
        if args.revisions:
            figures.update(replay_figures(server, args.revisions))
        print(f"PostgreSQL {server.version}, {args.tables} tables, median of {args.repeat}")
    for name, value in figures.items():
        print(f"  {name}: {value:.1f}" if isinstance(value, float) else f"  {name}: {value}")


if __name__ == "__main__":
    main()
