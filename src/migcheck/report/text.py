"""`render_replay`, kept for `migcheck replay`: the terminal view as plain text."""

from __future__ import annotations

from migcheck.model import RunResult
from migcheck.report.terminal import render


def render_replay(result: RunResult) -> str:
    return render(result).rstrip("\n")
