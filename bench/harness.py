"""One measurement: a command (or a pipeline) as child processes, against one server.

Wall clock around the whole command; CPU and peak RSS of the command's own processes from
os.wait4 (the rusage of each child and the descendants it waited for, so the figures belong to
this measurement alone); CPU of the PostgreSQL backends that served it, read from the
postmaster's reaped-children times in /proc (embedded server only). A command that outlives
the cap is killed with its process group and reported as "> cap".
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system seconds of the command's processes
    server_cpu: float | None  # seconds of the backends that ended meanwhile
    rss_kb: int  # largest peak RSS among the command's processes
    returncode: int
    capped: bool = False
    output: str = ""  # stdout + stderr tail, for failures
    json_file: str | None = None  # migcheck's --json result

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.capped

    @property
    def cores(self) -> float | None:
        """Average cores busy: (client CPU + server CPU) / wall."""
        if self.server_cpu is None or self.wall <= 0:
            return None
        return (self.cpu + self.server_cpu) / self.wall


@dataclass
class Series:
    """The repetitions of one measurement; figures are those of the fastest."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def best(self) -> Sample | None:
        done = [s for s in self.samples if s.ok]
        return min(done, key=lambda s: s.wall) if done else None

    @property
    def failed(self) -> Sample | None:
        return next((s for s in self.samples if not s.ok), None)

    @property
    def rss_kb(self) -> int:
        return max((s.rss_kb for s in self.samples), default=0)


def postmaster_cpu(pid: int | None) -> float | None:
    """utime + stime + cutime + cstime of the postmaster: its reaped backends' CPU included."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(v) for v in fields[11:15]) / CLOCK_TICKS


def run_measured(
    commands: list[list[str]],
    *,
    cwd: Path,
    env: dict[str, str],
    cap: float,
    postmaster: int | None,
    setup: Callable[[], object] | None = None,
    teardown: Callable[[], object] | None = None,
) -> Sample:
    """Run `commands` as a pipeline (stdout of each into the next) and measure it.

    `setup` and `teardown` (creating and dropping the command's database) run inside the
    timed window: migcheck creates its databases itself, so the other tools pay for theirs.
    """
    with tempfile.TemporaryFile() as out:
        server_before = postmaster_cpu(postmaster)
        started = time.perf_counter()
        if setup is not None:
            setup()
        processes: list[subprocess.Popen[bytes]] = []
        stdin = subprocess.DEVNULL
        for i, argv in enumerate(commands):
            last = i == len(commands) - 1
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=stdin,
                stdout=out if last else subprocess.PIPE,
                stderr=out,
                start_new_session=True,
            )
            if not last:
                assert process.stdout is not None
                stdin = process.stdout  # type: ignore[assignment]
            if i:
                processes[-1].stdout.close()  # type: ignore[union-attr]
            processes.append(process)
        capped = threading.Event()

        def kill() -> None:
            capped.set()
            for process in processes:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(cap, kill)
        timer.start()
        cpu, rss, returncode = 0.0, 0, 0
        try:
            for process in processes:
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                returncode = returncode or process.returncode
                cpu += usage.ru_utime + usage.ru_stime
                rss = max(rss, usage.ru_maxrss)
        finally:
            timer.cancel()
            if teardown is not None:
                teardown()
        wall = time.perf_counter() - started
        time.sleep(0.05)  # let the postmaster reap the backends that served the command
        server_after = postmaster_cpu(postmaster)
        out.seek(0)
        output = out.read()[-200_000:].decode(errors="replace")
    server = None
    if server_before is not None and server_after is not None:
        server = server_after - server_before
    return Sample(wall, cpu, server, rss, returncode, capped.is_set(), output)
