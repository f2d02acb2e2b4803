"""Restore a custom, directory or tar format archive with pg_restore."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from migcheck.errors import InputError
from migcheck.reference.tools import client_program, libpq_environment
from migcheck.server.base import Server

_ERROR = re.compile(r"(?:error|ERROR):\s+(.*)")
_COMMAND = re.compile(r"^Command was:\s*(.*)", re.MULTILINE)
_EXTENSION = re.compile(r'extension "([^"]+)" is not available|/([^/"]+)\.control')


def is_archive(path: Path) -> bool:
    """pg_dump -Fc/-Ft/-Fd output rather than plain SQL."""
    if path.is_dir():
        return (path / "toc.dat").is_file()
    with path.open("rb") as handle:
        head = handle.read(512)
    return head.startswith(b"PGDMP") or head[257:262] == b"ustar"


def restore_archive(path: Path, server: Server, database: str) -> None:
    program = client_program(server, "pg_restore")
    result = subprocess.run(
        [
            str(program),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={database}",
            str(path),
        ],
        env=libpq_environment(server, database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InputError(_describe(path, result.stderr, server))


def _describe(path: Path, stderr: str, server: Server) -> str:
    errors = [m.group(1).strip() for m in _ERROR.finditer(stderr)]
    message = errors[-1] if errors else (stderr.strip().splitlines() or ["failed"])[-1]
    message = re.split(r"ERROR:\s+", message)[-1]
    command = _COMMAND.search(stderr)
    extension = _EXTENSION.search(stderr)
    if extension and command and command.group(1).upper().startswith("CREATE EXTENSION"):
        name = extension.group(1) or extension.group(2)
        return (
            f'{path}: the dump needs extension "{name}", which {server.describe()} does not '
            f"have ({command.group(1).strip()}); install it there or pick a server that has it"
        )
    where = f" ({command.group(1).strip()[:120]})" if command else ""
    return f"{path}: pg_restore: {message}{where}"
