"""migcheck side by side with plain Alembic and pytest-alembic, on one server (issue 7).

    python bench/run.py [--sizes 50,200,1000] [--quick] [--no-write] [--server embedded]

Generates a synthetic history per size (bench/generate.py), starts ONE PostgreSQL server and
times, each as its own process against fresh databases on that server: `alembic upgrade heads`;
the floor (`alembic upgrade heads --sql` piped into psql: the SQL alone); `alembic upgrade heads`
+ `downgrade base` + `upgrade heads` in one process; `migcheck replay`; `migcheck run` (every
check); `migcheck lint`; pytest-alembic's test_upgrade, test_model_definitions_match_ddl,
test_up_down_consistency and the experimental test_downgrade_leaves_no_trace. Also: embedded
server start (cold and with the cached initdb), container start, a full catalog snapshot of
the head schema, peak memory and CPU. Prints the tables and rewrites the generated part of
BENCHMARKS.md (the rest of the file is kept).

The first run creates bench/.venv-bench (pip install -e . pytest-alembic psycopg[binary]) and
re-executes itself with it; later runs reuse it.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import report
from generate import generate
from harness import Series, run_measured

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".venv-bench"
VENV_BIN = VENV / "bin"
REQUIREMENTS = ["-e", str(ROOT), "pytest-alembic", "psycopg[binary]", "pytest"]
CHECK_IMPORTS = "import migcheck, pytest_alembic, psycopg, pytest"

PYTEST_CONFTEST = '''\
"""pytest-alembic's fixtures for the benchmark: the database comes from $DATABASE_URL."""

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool


@pytest.fixture
def alembic_config():
    return {"file": str(Path(__file__).resolve().parent.parent / "alembic.ini")}


@pytest.fixture
def alembic_engine():
    engine = create_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
    yield engine
    engine.dispose()
'''
PYTEST_TESTS = """\
from pytest_alembic.tests import (  # noqa: F401
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace  # noqa: F401
"""
UP_DOWN_UP = (
    "import sys; from alembic.config import main; "
    "[main(['-c', sys.argv[1], *step.split()]) "
    "for step in ('upgrade heads', 'downgrade base', 'upgrade heads')]"
)
SERVER_START = """\
import sys, time
from migcheck.server.{module} import {cls}
started = time.perf_counter()
server = {cls}(*sys.argv[1:])
server.__enter__()
print(time.perf_counter() - started)
server.close()
"""
SNAPSHOT_REPEAT = 5


def bootstrap() -> None:
    """Re-execute with the benchmark's own environment, creating it when missing."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV_BIN / "python"
    ready = python.exists() and subprocess.run([python, "-c", CHECK_IMPORTS]).returncode == 0
    if not ready:
        print(f"creating {VENV.relative_to(ROOT)} (pip install {' '.join(REQUIREMENTS)})")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *REQUIREMENTS], check=True)
    os.execv(python, [str(python), __file__, *sys.argv[1:]])


def compile_sources() -> None:
    """Byte-compile migcheck as a wheel install does. The benchmark's environment installs
    it editable, and the tools run with PYTHONDONTWRITEBYTECODE (nothing written into the
    histories), so without this every process (the run's and its workers') would compile
    migcheck's sources again, which no installed migcheck does; Alembic, SQLAlchemy and
    pytest-alembic come compiled from their wheels."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)


@dataclass
class SizeResult:
    revisions: int
    repeats: int
    series: dict = field(default_factory=dict)  # tool -> harness.Series
    notes: list[str] = field(default_factory=list)
    findings: dict[str, int] = field(default_factory=dict)  # severity:code -> count
    snapshot_ms: float | None = None
    snapshot_objects: int = 0
    linear_twin: bool = False  # the peer comparison ran on the linear twin
    forks: int = 0  # merge revisions in the generated history


class Bench:
    """One server, one temp folder, the measurements of every size."""

    def __init__(self, server, tmp: Path, cap: float) -> None:
        self.server = server
        self.tmp = tmp
        self.cap = cap
        process = getattr(server, "process", None)
        self.postmaster = process.pid if process is not None else None
        self.counter = 0
        self.psql = shutil.which("psql") or str(Path(getattr(server, "bindir", "")) / "psql")
        self.server_url = server.url("postgres").render_as_string(hide_password=False)
        self.server_url = self.server_url.replace("postgresql+psycopg", "postgresql", 1)

    # -- one measurement ------------------------------------------------------------------
    def measure(self, tool: str, project: Path):
        self.counter += 1
        name = f"bench{self.counter}"
        database = self.server.database_name(name)
        url = self.server.url(database).render_as_string(hide_password=False)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        bin_ = str(VENV_BIN)
        ini = str(project / "alembic.ini")
        own_database = True
        if tool == "alembic":
            commands = [[f"{bin_}/alembic", "-c", ini, "upgrade", "heads"]]
        elif tool == "floor":
            commands = [
                [f"{bin_}/alembic", "-c", ini, "upgrade", "heads", "--sql"],
                [self.psql, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null"],
            ]
            env.update(self._libpq_env(database))
        elif tool == "updownup":
            commands = [[f"{bin_}/python", "-c", UP_DOWN_UP, ini]]
        elif tool in ("replay", "run", "run_linear"):
            own_database = False
            command = "replay" if tool == "replay" else "run"
            json_file = str(self.tmp / f"{tool}-{self.counter}.json")
            commands = [
                [f"{bin_}/migcheck", command, ini, "--server", self.server_url, "--json", json_file]
            ]
        elif tool == "lint":
            own_database = False
            commands = [[f"{bin_}/migcheck", "lint", ini]]
        else:  # pytest-alembic: pa_<test name>
            test = tool.removeprefix("pa_").removesuffix("_linear")
            commands = [
                [
                    f"{bin_}/python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "-p", "no:migcheck", str(project / "pytest_alembic_tests"), "-k", test,
                ]
            ]  # fmt: skip
        if own_database:
            env["DATABASE_URL"] = url
            setup = lambda: self.server.create_database(name)  # noqa: E731
            teardown = lambda: self.server.drop_database(database)  # noqa: E731
        else:
            setup = teardown = None
        sample = run_measured(
            commands,
            cwd=project,
            env=env,
            cap=self.cap,
            postmaster=self.postmaster,
            setup=setup,
            teardown=teardown,
        )
        if tool == "lint" and sample.returncode == 1:
            sample.returncode = 0  # findings at the gate's level: lint did its work
        if tool in ("run", "run_linear") and sample.returncode == 1:
            sample.returncode = 0  # findings: reported from the JSON below
        if tool in ("run", "run_linear", "replay"):
            sample.json_file = json_file
        return sample

    def _libpq_env(self, database: str) -> dict[str, str]:
        endpoint = self.server.endpoint
        env = {
            "PGHOST": endpoint.host,
            "PGPORT": str(endpoint.port),
            "PGUSER": endpoint.user,
            "PGDATABASE": database,
        }
        if endpoint.password:
            env["PGPASSWORD"] = endpoint.password
        return env

    # -- a full catalog snapshot of the head schema ----------------------------------------
    def snapshot(self, project: Path) -> tuple[float | None, int]:
        import psycopg

        from migcheck.snapshot import PsycopgRunner, SnapshotOptions, take_snapshot

        self.counter += 1
        database = self.server.create_database(f"snap{self.counter}")
        try:
            env = dict(os.environ, DATABASE_URL=self.server.url(database).render_as_string(False))
            done = subprocess.run(
                [f"{VENV_BIN}/alembic", "-c", str(project / "alembic.ini"), "upgrade", "heads"],
                cwd=project,
                env=env,
                capture_output=True,
            )
            if done.returncode != 0:
                return None, 0
            with psycopg.connect(self.server.conninfo(database), autocommit=True) as conn:
                runner = PsycopgRunner(conn)
                snap = take_snapshot(runner, SnapshotOptions())
                times = []
                for _ in range(SNAPSHOT_REPEAT):
                    started = time.perf_counter()
                    take_snapshot(runner, SnapshotOptions())
                    times.append((time.perf_counter() - started) * 1000)
            return sorted(times)[len(times) // 2], len(snap.objects)
        finally:
            self.server.drop_database(database)


def write_peer_tests(project: Path) -> None:
    folder = project / "pytest_alembic_tests"
    folder.mkdir(exist_ok=True)
    (folder / "conftest.py").write_text(PYTEST_CONFTEST)
    (folder / "test_migrations.py").write_text(PYTEST_TESTS)


def findings_of(json_file: str) -> tuple[dict[str, int], int, int]:
    """severity:code counts, and the applied / total revisions, from a migcheck JSON result."""
    import json

    data = json.loads(Path(json_file).read_text())
    counts: dict[str, int] = {}
    for finding in data.get("findings", []):
        key = f"{finding['severity']}:{finding['code']}"
        counts[key] = counts.get(key, 0) + 1
    revisions = data.get("revisions", [])
    applied = sum(1 for r in revisions if r.get("status") in ("applied", "ok"))
    return counts, applied, len(revisions)


def failure_line(output: str) -> str:
    """The line of a failed command's output that says why."""
    lines = output.splitlines()
    errors = [line for line in lines if line.startswith("E ")]  # pytest's failure lines
    for marker in ("AlembicTestFailure:", "Error:", "error:", "FAILED"):
        for line in errors + lines:
            if marker in line:
                line = line.strip().removeprefix("E").strip()
                return line.split("AlembicTestFailure: ", 1)[-1][:300]
    tail = output.strip().splitlines()
    return tail[-1][:300] if tail else "no output"


PLAIN_TOOLS = ["alembic", "floor", "updownup", "replay", "run", "lint"]
TRACE = report.TRACE


def bench_size(bench: Bench, n: int, args: argparse.Namespace) -> SizeResult:
    repeats = 1 if args.quick or n >= 1000 else args.repeat
    result = SizeResult(n, repeats)
    project = bench.tmp / f"history-{n}"
    generate(project, n, args.seed)
    write_peer_tests(project)
    result.forks = sum(1 for f in (project / "versions").iterdir() if "_merge_heads_" in f.name)
    tools = PLAIN_TOOLS + report.PEER_DEFAULT
    for tool in [*tools, TRACE]:
        result.series[tool] = Series()
    for rep in range(repeats):
        for tool in tools:
            sample = bench.measure(tool, project)
            result.series[tool].samples.append(sample)
            progress(n, rep, tool, sample)
    trace_skipped = args.skip_slow_peer and n >= 1000
    if not trace_skipped:
        sample = bench.measure(TRACE, project)
        result.series[TRACE].samples.append(sample)
        progress(n, 0, TRACE, sample)
        if not sample.ok and not sample.capped:
            result.notes.append(
                f"pytest-alembic test_downgrade_leaves_no_trace fails on this (correct) "
                f"branched history after {sample.wall:.1f} s: {failure_line(sample.output)}; "
                "it was measured again on the linear twin (the same revisions, each fork's "
                "branches chained), and so was `migcheck run`, for the ratio"
            )
            twin = bench.tmp / f"history-{n}-linear"
            generate(twin, n, args.seed, linear=True)
            write_peer_tests(twin)
            result.linear_twin = True
            for tool in ("run_linear", f"{TRACE}_linear"):
                result.series[tool] = Series()
                for rep in range(repeats if tool == "run_linear" else 1):
                    sample = bench.measure(tool, twin)
                    result.series[tool].samples.append(sample)
                    progress(n, rep, tool, sample)
    else:
        result.notes.append("test_downgrade_leaves_no_trace skipped (--skip-slow-peer)")
    for tool, series in result.series.items():
        failed = series.failed
        if failed is not None and not (tool == TRACE and result.linear_twin):
            what = f"> cap ({bench.cap:.0f} s)" if failed.capped else failure_line(failed.output)
            result.notes.append(f"{tool} did not finish cleanly: {what}")
    for tool in ("run", "replay"):
        last = result.series[tool].samples[-1]
        if last.ok:
            counts, applied, total = findings_of(last.json_file)
            if tool == "run":
                result.findings = counts
            if applied != total:
                result.notes.append(f"migcheck {tool}: only {applied} of {total} applied")
    errors = {k: v for k, v in result.findings.items() if k.startswith("error:")}
    if errors:
        result.notes.append(f"migcheck run reports errors on the clean history: {errors}")
    result.snapshot_ms, result.snapshot_objects = bench.snapshot(project)
    return result


def progress(n: int, rep: int, tool: str, sample) -> None:
    state = "ok" if sample.ok else ("capped" if sample.capped else f"exit {sample.returncode}")
    rss = sample.rss_kb / 1024
    print(
        f"  N={n:<5} #{rep + 1} {tool:42} {sample.wall:8.2f} s  {rss:6.0f} MiB  {state}",
        flush=True,
    )


def server_starts(args: argparse.Namespace) -> dict[str, str]:
    """Embedded start, cold (initdb) and cached (best of 3); container start if Docker answers."""
    python = str(VENV_BIN / "python")

    def start(module: str, cls: str, env: dict[str, str], *argv: str) -> float | None:
        script = SERVER_START.format(module=module, cls=cls)
        command = [python, "-c", script, *argv]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            return None
        return float(done.stdout.strip().splitlines()[-1])

    figures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="migcheck-bench-cache-") as cache:
        cold = start("embedded", "EmbeddedServer", dict(os.environ, XDG_CACHE_HOME=cache))
    cached_runs = [start("embedded", "EmbeddedServer", dict(os.environ)) for _ in range(3)]
    cached = min((c for c in cached_runs if c is not None), default=None)
    figures["embedded_cold"] = f"{cold:.2f} s" if cold is not None else "failed"
    figures["embedded_cached"] = f"{cached:.2f} s" if cached is not None else "failed"
    figures["embedded_cached_s"] = str(cached) if cached is not None else ""
    docker = (
        subprocess.run(["docker", "info"], capture_output=True) if shutil.which("docker") else None
    )
    if docker is None or docker.returncode != 0:
        figures["container"] = "not measured: no Docker engine"
    else:
        image = [args.container_image] if args.container_image else []
        start("container", "ContainerServer", dict(os.environ), *image)  # pulls it once
        runs = [start("container", "ContainerServer", dict(os.environ), *image) for _ in range(2)]
        best = min((r for r in runs if r is not None), default=None)
        named = args.container_image or "the default image"
        figures["container"] = (
            f"{best:.2f} s ({named}, already pulled)" if best is not None else "failed"
        )
    return figures


def open_server(kind: str):
    if kind == "container":
        from migcheck.server.container import ContainerServer

        return ContainerServer()
    from migcheck.server.embedded import EmbeddedServer

    return EmbeddedServer()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="50,200,1000", help="revision counts (default 50,200,1000)"
    )
    parser.add_argument("--quick", action="store_true", help="N=50 only, one repetition")
    parser.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md alone")
    parser.add_argument("--server", choices=("embedded", "container"), default="embedded")
    parser.add_argument(
        "--container-image",
        default=os.environ.get("MIGCHECK_TEST_IMAGE"),
        help="image for the container start (default: $MIGCHECK_TEST_IMAGE, else migcheck's)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of this many below N=1000")
    parser.add_argument("--cap", type=float, default=1200, help="seconds per measurement")
    parser.add_argument(
        "--skip-slow-peer",
        action="store_true",
        help="skip pytest-alembic's downgrade_leaves_no_trace at N >= 1000",
    )
    parser.add_argument("--seed", type=int, default=7, help="history generator seed")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    bootstrap()
    compile_sources()
    logging.disable(logging.INFO)
    sizes = [50] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    load_before = os.getloadavg()
    starts = server_starts(args)
    print(f"embedded start: cold {starts['embedded_cold']}, cached {starts['embedded_cached']}")
    print(f"container start: {starts['container']}")
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="migcheck-bench-") as folder,
        open_server(args.server) as server,
    ):
        bench = Bench(server, Path(folder), args.cap)
        print(f"server: {server.describe()}")
        for n in sizes:
            results.append(bench_size(bench, n, args))
        machine = report.machine(server, args.server)
    machine["load"] = f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
    text = report.render(results, starts, machine, command.strip(), args)
    print(text)
    if not args.no_write:
        report.write(args.output, text)
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
