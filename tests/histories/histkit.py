"""Helpers for the real-history tests: write files beside a history and run the CLI on it.

Each test writes what a user would: the project's files and, once, [tool.migcheck] in its
pyproject.toml; then it runs `migcheck` as users do (`migcheck.cli.main`) on the session's
embedded server (pinned by URL, so `auto` never picks another server) and reads the JSON.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from migcheck.cli import main
from migcheck.model import Finding, RunResult

TABLE = 'op.create_table("{0}", sa.Column("id", sa.Integer, primary_key=True))'
# A clean two-revision history: `history(env=..., **COLORS_WITH_NAME)`.
COLORS_WITH_NAME = {
    "a1": (None, TABLE.format("colors"), 'op.drop_table("colors")'),
    "b2": (
        "a1",
        'op.add_column("colors", sa.Column("name", sa.Text))',
        'op.drop_column("colors", "name")',
    ),
}


def write(root: Path, files: dict[str, str]) -> None:
    """Write `files` (path relative to root -> dedented text) under the project root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def server_url(server) -> str:
    return server.url("postgres", "default").render_as_string(hide_password=False)


def migcheck(server, command: str, root: Path, *extra: str) -> tuple[int, RunResult]:
    """Run `migcheck COMMAND ROOT --json ...` on the session's server: (exit code, result)."""
    out = root.parent / f"{command}-result.json"
    out.unlink(missing_ok=True)
    code = main([command, str(root), "--server", server_url(server), "--json", str(out), *extra])
    assert out.is_file(), f"migcheck {command} exited {code} without a result"
    return code, RunResult.from_dict(json.loads(out.read_text()))


def codes(findings: list[Finding]) -> list[tuple[str, str | None, str]]:
    """(code, revision, subject) per finding."""
    return [(f.code, f.location.revision, f.subject) for f in findings]


def statuses(result: RunResult) -> list[tuple[str, str]]:
    return [(r.revision, r.status.value) for r in result.revisions]
