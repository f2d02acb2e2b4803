"""Time `migcheck lint` over 500 synthetic revisions: python bench/lint_bench.py [--revisions N].

Each generated revision looks like a real one: a table created with an index, a column added,
reference rows inserted through op.execute (SQL for pglast), an UPDATE backfill, a bulk
insert, and a matching downgrade. Prints the in-process lint time (best of --repeat) and the
wall time of the `migcheck lint` command, which adds interpreter start-up and imports. CPU
time is printed beside wall time: on a busy machine it is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from migcheck.config import load_settings
from migcheck.lint import lint_project
from migcheck.project import locate_project

REVISION = '''"""revision {n}"""
from alembic import op
import sqlalchemy as sa

revision = "r{n:04d}"
down_revision = {down}

SEED = """
INSERT INTO t{n}_kinds (code, label)
VALUES ('a{n}', 'Alpha {n}'), ('b{n}', 'Beta {n}')
ON CONFLICT (code) DO NOTHING;
"""


def upgrade():
    op.create_table(
        "t{n}_kinds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("label", sa.Text()),
    )
    op.create_index("ix_t{n}_kinds_label", "t{n}_kinds", ["label"])
    op.add_column("t{n}_kinds", sa.Column("rank", sa.Integer(), nullable=True))
    op.execute(SEED)
    op.execute("UPDATE t{n}_kinds SET rank = 1 WHERE rank IS NULL")
    kinds = sa.table("t{n}_kinds", sa.column("code"), sa.column("label"))
    op.bulk_insert(kinds, [{{"code": "c{n}", "label": "Gamma"}}])


def downgrade():
    op.drop_index("ix_t{n}_kinds_label", table_name="t{n}_kinds")
    op.drop_table("t{n}_kinds")
'''


def generate(root: Path, count: int) -> Path:
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (root / "migrations" / "env.py").write_text("from alembic import context\n")
    for n in range(count):
        down = f'"r{n - 1:04d}"' if n else "None"
        (versions / f"r{n:04d}_step.py").write_text(REVISION.format(n=n, down=down))
    return root


def _timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revisions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migcheck-bench-") as folder:
        root = generate(Path(folder), args.revisions)
        os.chdir(root)
        files = locate_project(root)
        settings = load_settings(root)
        timings, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            findings, linted = lint_project(files, settings)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        command, command_cpu = _timed([sys.executable, "-m", "migcheck", "lint", "."])
        imports, imports_cpu = _timed([sys.executable, "-c", "import migcheck.cli"])
    rows = [
        ("revisions linted", f"{linted} ({len(findings)} findings)"),
        ("lint in process, best", f"{_ms(min(timings))} wall, {_ms(min(cpu))} CPU"),
        ("lint in process, median", f"{_ms(sorted(timings)[len(timings) // 2])} wall"),
        ("`migcheck lint .` command", f"{_ms(command)} wall, {_ms(command_cpu)} CPU"),
        ("python + import migcheck.cli", f"{_ms(imports)} wall, {_ms(imports_cpu)} CPU"),
    ]
    for label, value in rows:
        print(f"{label + ':':32}{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
