"""Settings from `[tool.migcheck]` in the user's pyproject.toml, overridden by CLI flags.

The pyproject.toml is looked for beside alembic.ini and then upwards (stopping at a git root),
so a project configures migcheck once, next to its other tools. Stages read their own
sub-table (`[tool.migcheck.lint]`, `[tool.migcheck.replay]`, ...) through `Settings.section`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migcheck.errors import InputError


@dataclass
class Settings:
    """The merged [tool.migcheck] table, plus where it came from."""

    root: Path
    source: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise InputError(f"{self.source}: [tool.migcheck.{name}] must be a table")
        return value

    def override(self, **values: Any) -> Settings:
        """Return settings with CLI values (those not None) laid over the file's."""
        merged = dict(self.raw)
        merged.update({k: v for k, v in values.items() if v is not None})
        return Settings(root=self.root, source=self.source, raw=merged)


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`, not crossing a git root."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix the file and retry") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def load_settings(start: Path) -> Settings:
    """Settings for the project at `start` (a folder or a file inside the project)."""
    pyproject = find_pyproject(start.resolve())
    if pyproject is None:
        root = start.resolve() if start.is_dir() else start.resolve().parent
        return Settings(root=root)
    data = read_toml(pyproject)
    table = data.get("tool", {}).get("migcheck", {})
    if not isinstance(table, dict):
        raise InputError(f"{pyproject}: [tool.migcheck] must be a table")
    return Settings(root=pyproject.parent, source=pyproject, raw=table)
