"""Find PostgreSQL server binaries for the embedded backend.

Order (first that has initdb and postgres wins): --pg-bin / MIGCHECK_PG_BIN, `pg_config
--bindir` of the pg_config on PATH, /usr/lib/postgresql/*/bin (newest version first), and
the binaries inside the `pgserver` wheel, a dependency so a plain `pip install` always has one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from migcheck.errors import InfrastructureError

REQUIRED = ("initdb", "postgres")


def _usable(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in REQUIRED)


def _from_pg_config() -> Path | None:
    pg_config = shutil.which("pg_config")
    if not pg_config:
        return None
    try:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


def _debian_folders() -> list[Path]:
    def version_key(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)

    return sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version_key, reverse=True)


def _pgserver_folder() -> Path | None:
    """Located without importing pgserver (its import has side effects we do not want)."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


def candidates(explicit: str | None = None) -> list[tuple[str, Path]]:
    """(origin, folder) pairs in the order they are tried."""
    found: list[tuple[str, Path]] = []
    explicit = explicit or os.environ.get("MIGCHECK_PG_BIN")
    if explicit:
        return [("--pg-bin", Path(explicit))]
    from_config = _from_pg_config()
    if from_config:
        found.append(("pg_config", from_config))
    found.extend(("debian", folder) for folder in _debian_folders())
    wheel = _pgserver_folder()
    if wheel:
        found.append(("pgserver", wheel))
    return found


def find_bindir(explicit: str | None = None) -> Path:
    tried = candidates(explicit)
    for _origin, folder in tried:
        if _usable(folder):
            return folder
    if explicit or os.environ.get("MIGCHECK_PG_BIN"):
        raise InfrastructureError(
            f"{tried[0][1]}: no initdb/postgres there; point --pg-bin at a PostgreSQL bin folder"
        )
    raise InfrastructureError(
        "no PostgreSQL server binaries found (pg_config, /usr/lib/postgresql, pgserver) and no "
        "Docker engine; install PostgreSQL or `pip install pgserver`, or pass --server URL"
    )


def server_version(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"(\d+(?:\.\d+)*)", out)
    return match.group(1) if match else "unknown"
