"""The tables bench/run.py prints and writes into BENCHMARKS.md (between two markers)."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

BEGIN = "<!-- bench/run.py rewrites everything from here to the end marker -->"
END = "<!-- end of bench/run.py output -->"

LABELS = {
    "alembic": "`alembic upgrade heads`",
    "floor": "floor: `alembic upgrade heads --sql \\| psql`",
    "updownup": "`alembic upgrade heads` + `downgrade base` + `upgrade heads` (one process)",
    "replay": "`migcheck replay`",
    "run": "`migcheck run` (every check)",
    "lint": "`migcheck lint`",
    "pa_test_upgrade": "pytest-alembic test_upgrade",
    "pa_test_model_definitions_match_ddl": "pytest-alembic test_model_definitions_match_ddl",
    "pa_test_up_down_consistency": "pytest-alembic test_up_down_consistency",
    "pa_test_downgrade_leaves_no_trace": "pytest-alembic test_downgrade_leaves_no_trace",
    "run_linear": "`migcheck run`, linear twin",
    "pa_test_downgrade_leaves_no_trace_linear":
        "pytest-alembic downgrade_leaves_no_trace, linear twin",
}  # fmt: skip
PER_REVISION = ["alembic", "floor", "replay", "run", "pa_test_up_down_consistency"]
TRACE = "pa_test_downgrade_leaves_no_trace"
PEER_DEFAULT = [
    "pa_test_upgrade",
    "pa_test_model_definitions_match_ddl",
    "pa_test_up_down_consistency",
]
REPLAY_TARGET, UPDOWNUP_TARGET, TRACE_TARGET, FLAT_TARGET, CORES_TARGET = 1.3, 3.0, 20, 1.5, 1.2


def machine(server, kind: str) -> dict[str, str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = next(
        (
            int(line.split()[1]) / 1024**2
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0.0,
    )
    system = platform.platform()
    os_release = Path("/etc/os-release")
    if os_release.exists():
        for line in os_release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = line.split("=", 1)[1].strip('"')
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("alembic", "SQLAlchemy", "psycopg", "pytest-alembic", "pytest")
    )
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, {system}",
        "software": f"Python {platform.python_version()}, PostgreSQL {server.version} "
        f"({kind} server), {versions}; migcheck at {commit or 'unknown commit'}",
        "date": datetime.date.today().isoformat(),
    }


# -- formatting ----------------------------------------------------------------------------
def _wall(result, tool: str) -> float | None:
    series = result.series.get(tool)
    best = series.best if series else None
    return best.wall if best else None


def _seconds(result, tool: str, cap: float) -> str:
    series = result.series.get(tool)
    if series is None or not series.samples:
        return "-"
    best = series.best
    if best is not None:
        return f"{best.wall:.2f}"
    failed = series.failed
    if failed is not None and failed.capped:
        return f"> {cap:.0f}"
    return f"fails ({failed.wall:.1f})" if failed else "-"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|---|" + "---:|" * (len(header) - 1))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _trace_pair(result) -> tuple[float | None, float | None]:
    """(downgrade_leaves_no_trace, migcheck run) seconds, on the same history."""
    if result.linear_twin:
        return _wall(result, f"{TRACE}_linear"), _wall(result, "run_linear")
    return _wall(result, TRACE), _wall(result, "run")


def _mark(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**missed**")


def targets(results, starts: dict[str, str], cap: float) -> list[list[str]]:
    rows = []
    bounds = (
        (f"`migcheck replay` <= {REPLAY_TARGET}x plain alembic", "replay", "alembic",
         REPLAY_TARGET),
        (f"`migcheck run` <= {UPDOWNUP_TARGET:.0f}x up+down+up", "run", "updownup",
         UPDOWNUP_TARGET),
        ("`migcheck run` faster than test_up_down_consistency", "run",
         "pa_test_up_down_consistency", 1.0),
    )  # fmt: skip
    for label, tool, base, limit in bounds:
        for r in results:
            a, b = _wall(r, tool), _wall(r, base)
            ok = a / b <= limit if a and b else None
            rows.append([f"{label}, N={r.revisions}", _ratio(a, b), _mark(ok)])
    for r in results:
        trace, run = _trace_pair(r)
        capped = r.series.get(TRACE) and r.series[TRACE].failed and r.series[TRACE].failed.capped
        if trace is None and capped and run:
            figure, ok = f"> {cap / run:.0f}x (peer capped at {cap:.0f} s)", cap / run >= 20
        else:
            figure = f"{trace / run:.1f}x faster" if trace and run else "-"
            ok = trace / run >= TRACE_TARGET if trace and run else None
        twin = " (linear twin)" if r.linear_twin else ""
        target = f"`migcheck run` >= {TRACE_TARGET}x faster than downgrade_leaves_no_trace"
        rows.append([f"{target}, N={r.revisions}{twin}", figure, _mark(ok)])
    if len(results) >= 2:
        small, large = results[0], results[-1]
        for tool in ("replay", "run"):
            a, b = _wall(small, tool), _wall(large, tool)
            growth = (b / large.revisions) / (a / small.revisions) if a and b else None
            rows.append(
                [
                    f"`migcheck {tool}` cost per revision flat (N={small.revisions} to "
                    f"{large.revisions}: growth <= {FLAT_TARGET}x)",
                    f"{growth:.2f}x" if growth else "-",
                    _mark(growth <= FLAT_TARGET if growth else None),
                ]
            )
    else:
        rows.append(["cost per revision flat as N grows", "one size measured", _mark(None)])
    last = results[-1]
    best = last.series["run"].best
    cores = best.cores if best else None
    rows.append(
        [
            f"both cores used (`migcheck run` busy >= {CORES_TARGET} cores), N={last.revisions}",
            f"{cores:.2f} cores" if cores else "-",
            _mark(cores >= CORES_TARGET if cores else None),
        ]
    )
    cached = float(starts["embedded_cached_s"]) if starts.get("embedded_cached_s") else None
    rows.append(
        [
            "embedded server start <= 2 s (cached initdb)",
            starts["embedded_cached"],
            _mark(cached <= 2 if cached else None),
        ]
    )
    return rows


def render(results, starts: dict[str, str], machine: dict[str, str], command: str, args) -> str:
    sizes = [f"N={r.revisions}" for r in results]
    cap = args.cap
    out = [BEGIN, "", "## migcheck, Alembic and pytest-alembic side by side (issue 7)", ""]
    repeats = ", ".join(f"best of {r.repeats} at N={r.revisions}" for r in results)
    forks = ", ".join(f"{r.forks} at N={r.revisions}" for r in results)
    out += [
        f"Machine: {machine['cpu']}. {machine['software']}. {machine['date']}, "
        f"load average {machine['load']}.",
        "",
        f"Command: `{command}`",
        "",
        f"History: `bench/generate.py` (seed {args.seed}): tables with foreign keys, columns, "
        "indexes, enums, views, reference rows seeded parents first; forks of two branches "
        f"on disjoint tables joined by a merge revision ({forks}). Every tool runs as its "
        "own process against the same server; Alembic, psql and pytest-alembic get a fresh "
        "database created and dropped inside the timed window (migcheck creates its own). "
        f"Wall seconds, {repeats}; peak memory is the largest peak RSS among the tool's "
        "processes (not the server's); cores = (tool CPU + CPU of the backends that served "
        "it) / wall.",
        "",
        "### Targets",
        "",
    ]
    out += _table(["target", "figure", ""], targets(results, starts, cap))
    out += ["", "### Wall time (s)", ""]
    tools = [t for t in LABELS if any(t in r.series and r.series[t].samples for r in results)]
    out += _table(
        ["", *sizes], [[LABELS[t]] + [_seconds(r, t, cap) for r in results] for t in tools]
    )
    out += ["", "### Ratios", ""]
    ratios = [
        ("`migcheck replay` / `alembic upgrade heads`", "replay", "alembic"),
        ("`migcheck replay` / floor (SQL alone)", "replay", "floor"),
        ("`alembic upgrade heads` / floor", "alembic", "floor"),
        ("`migcheck run` / (up + down + up)", "run", "updownup"),
        ("`migcheck run` / test_up_down_consistency", "run", "pa_test_up_down_consistency"),
    ]
    rows = [[label] + [_ratio(_wall(r, a), _wall(r, b)) for r in results] for label, a, b in ratios]
    peers = [sum(w) if all(w := [_wall(r, t) for t in PEER_DEFAULT]) else None for r in results]
    rows.append(
        ["`migcheck run` / pytest-alembic's 3 tests (upgrade, models, up-down) together"]
        + [_ratio(_wall(r, "run"), peer) for r, peer in zip(results, peers, strict=True)]
    )
    rows.append(
        ["test_downgrade_leaves_no_trace / `migcheck run`"]
        + [_ratio(*_trace_pair(r)) + (" (linear twin)" if r.linear_twin else "") for r in results]
    )
    out += _table(["", *sizes], rows)
    out += ["", "### Cost per revision (ms)", ""]
    out += _table(
        ["", *sizes],
        [
            [LABELS[t]]
            + [f"{w / r.revisions * 1000:.1f}" if (w := _wall(r, t)) else "-" for r in results]
            for t in PER_REVISION
        ],
    )
    out += ["", "### Peak memory (MiB) and cores busy", ""]
    rows = []
    for t in tools:
        cells = []
        for r in results:
            series = r.series.get(t)
            best = series.best if series else None
            if not series or not series.samples:
                cells.append("-")
                continue
            cores = f", {best.cores:.2f} cores" if best and best.cores is not None else ""
            cells.append(f"{series.rss_kb / 1024:.0f}{cores}")
        rows.append([LABELS[t], *cells])
    out += _table(["", *sizes], rows)
    out += ["", "### Server start and snapshot", ""]
    rows = [
        ["embedded server start, cold (initdb)", starts["embedded_cold"]],
        ["embedded server start, cached initdb (best of 3)", starts["embedded_cached"]],
        ["container server start", starts["container"]],
    ]
    for r in results:
        if r.snapshot_ms is not None:
            per = r.snapshot_ms
            rows.append(
                [
                    f"full catalog snapshot of the head schema, N={r.revisions} "
                    f"({r.snapshot_objects} objects; median of 5)",
                    f"{per:.1f} ms",
                ]
            )
    out += _table(["", "figure"], rows)
    out += ["", "### Findings of `migcheck run` on the generated (clean) history", ""]
    for r in results:
        shown = ", ".join(f"{k} x{v}" for k, v in sorted(r.findings.items())) or "none"
        out.append(f"- N={r.revisions}: {shown}")
    notes = [f"- N={r.revisions}: {note}" for r in results for note in r.notes]
    if notes:
        out += ["", "### Notes", "", *notes]
    out += ["", END]
    return "\n".join(out) + "\n"


def write(path: Path, generated: str) -> None:
    """Replace the generated part of `path`; the first run puts it under the title."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].removeprefix("\n")
        text = head + generated + tail
    else:
        title, _, body = text.partition("\n")
        text = f"{title}\n\n{generated}\n{body.lstrip()}"
    path.write_text(text)
