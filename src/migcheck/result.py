"""A fresh `RunResult` for a command, and the timer that stamps its duration.

Shared by the checks (`migcheck.checks.pipeline`) and the CLI, so that neither has to import
the other to start a result.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from migcheck import __version__
from migcheck.model import ProjectInfo, RunResult, ServerInfo
from migcheck.project import Project, ProjectFiles

if TYPE_CHECKING:
    from migcheck.server.base import Server


def new_result(
    command: str,
    project: Project | ProjectFiles,
    server: Server | None = None,
    *,
    heads: list[str] | None = None,
) -> RunResult:
    """An empty result of `command` on `project`, started now.

    `project` may be a loaded Project or only its files (a history Alembic cannot load);
    `heads` defaults to the loaded project's heads (none for bare files). Without a server
    the result says so (`kind="none"`).
    """
    files = project.files if isinstance(project, Project) else project
    if heads is None:
        heads = list(project.script.get_heads()) if isinstance(project, Project) else []
    return RunResult(
        command=command,
        project=ProjectInfo(
            config_file=files.relative(files.config_file),
            script_location=files.relative(files.script_location),
            heads=heads,
        ),
        server=server.info if server is not None else ServerInfo(kind="none"),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
    )


@contextmanager
def timed(result: RunResult) -> Iterator[None]:
    """Stamp `result.duration_ms` with the block's wall time (also when it raises)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
