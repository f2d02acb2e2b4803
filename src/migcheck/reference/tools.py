"""PostgreSQL client programs (pg_dump, pg_restore) that fit the run's server.

pg_dump refuses servers newer than itself and pg_restore cannot read archives from a newer
pg_dump, so the embedded server's own folder comes first (same version), then the newest
installation found the way migcheck.server.binaries finds servers, then PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from migcheck.errors import InfrastructureError
from migcheck.server import binaries
from migcheck.server.base import Server


def _version(program: Path) -> tuple[int, ...]:
    try:
        out = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    return tuple(int(g) for g in match.groups() if g) if match else ()


def client_program(server: Server, name: str) -> Path:
    """`name` from the server's own binaries, else the newest one installed."""
    own = getattr(server, "bindir", None)
    if own is not None and (Path(own) / name).is_file():
        return Path(own) / name
    found = [folder / name for _origin, folder in binaries.candidates()]
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    usable = [p for p in found if p.is_file() and os.access(p, os.X_OK)]
    if not usable:
        raise InfrastructureError(
            f"{name} not found (PostgreSQL bin folders, PATH); install the PostgreSQL client "
            "programs or use --server embedded"
        )
    return max(usable, key=_version)


def libpq_environment(server: Server, database: str) -> dict[str, str]:
    """Environment for a client program: the password travels here, never on a command line."""
    endpoint = server.endpoint
    env = dict(os.environ)
    env.update(
        PGHOST=endpoint.host,
        PGPORT=str(endpoint.port),
        PGUSER=endpoint.user,
        PGDATABASE=database,
        PGCONNECT_TIMEOUT="10",
    )
    if endpoint.password:
        env["PGPASSWORD"] = endpoint.password
    else:
        env.pop("PGPASSWORD", None)
    return env
