"""Load the user's Alembic project: where its configuration, env.py and revision files are.

Two levels, because lint must never execute user code while replay must:
- `locate_project` reads only configuration files (alembic.ini or pyproject.toml's
  [tool.alembic]) and lists the revision files; nothing of the user's is imported.
- `load_project` builds Alembic's own `Config` and `ScriptDirectory` (which imports the
  revision modules) and checks the revision graph, turning Alembic's exceptions into one-line
  errors that name the file.
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from migcheck.config import load_settings, read_toml
from migcheck.errors import InputError

if TYPE_CHECKING:  # alembic is imported only when a project is loaded: lint never needs it
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory


@dataclass
class ProjectFiles:
    """The project's files as its configuration names them."""

    config_file: Path  # alembic.ini or pyproject.toml
    script_location: Path
    version_locations: list[Path]
    recursive: bool = False
    ini_section: str = "alembic"
    options: dict[str, str] = field(default_factory=dict)
    # True when [tool.migcheck] version_locations replaces the configuration's (an env.py or
    # an application that picks the folders at run time, e.g. one per dialect)
    versions_overridden: bool = False

    @property
    def root(self) -> Path:
        return self.config_file.parent

    @property
    def env_py(self) -> Path:
        return self.script_location / "env.py"

    def revision_files(self) -> list[Path]:
        """Every revision file, sorted, found the way Alembic finds them."""
        found: list[Path] = []
        for folder in self.version_locations:
            pattern = "**/*.py" if self.recursive else "*.py"
            found.extend(
                p for p in folder.glob(pattern) if p.is_file() and not p.name.startswith("__")
            )
        return sorted(set(found))

    def relative(self, path: str | Path) -> str:
        """A path as users see it in findings: relative to the project root when inside it."""
        p = Path(path)
        try:
            return str(p.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(p)


def _resolve_config_file(path: Path) -> Path:
    if not path.exists():
        raise InputError(
            f"{path}: no such file or folder; pass an alembic.ini, the folder holding it, "
            "or a pyproject.toml with [tool.alembic]"
        )
    if path.is_dir():
        for name in ("alembic.ini", "pyproject.toml"):
            candidate = path / name
            if candidate.is_file() and (name == "alembic.ini" or _has_tool_alembic(candidate)):
                return candidate
        raise InputError(
            f"{path}: holds no alembic.ini and no pyproject.toml with [tool.alembic]; "
            "pass the file that configures Alembic"
        )
    return path


def _has_tool_alembic(pyproject: Path) -> bool:
    return "alembic" in read_toml(pyproject).get("tool", {})


def _substitute(value: str, here: Path) -> str:
    return value.replace("%(here)s", str(here))


def locate_project(path: str | Path, ini_section: str = "alembic") -> ProjectFiles:
    """Read the configuration only (no user code) and list where revisions live."""
    config_file = _resolve_config_file(Path(path)).resolve()
    here = config_file.parent
    options: dict[str, str] = {}
    if config_file.suffix == ".toml":
        table = read_toml(config_file).get("tool", {}).get("alembic")
        if not isinstance(table, dict):
            raise InputError(f"{config_file}: no [tool.alembic] table; add one or pass alembic.ini")
        options = {k: _stringify(v) for k, v in table.items()}
    else:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(config_file, encoding="utf-8")
        except configparser.Error as exc:
            raise InputError(f"{config_file}: not a valid ini file ({exc.message})") from None
        if not parser.has_section(ini_section):
            raise InputError(f"{config_file}: no [{ini_section}] section; is this alembic.ini?")
        options = dict(parser.items(ini_section))
        pyproject = here / "pyproject.toml"
        if "script_location" not in options and pyproject.is_file():
            table = read_toml(pyproject).get("tool", {}).get("alembic", {})
            options = {**{k: _stringify(v) for k, v in table.items()}, **options}
    if "script_location" not in options:
        raise InputError(f"{config_file}: no script_location; set it to the migrations folder")
    script_location = _location(options["script_location"], here)
    if not script_location.is_dir():
        raise InputError(
            f"{config_file}: script_location {script_location} is not a folder; fix the path"
        )
    raw_versions = options.get("version_locations")
    if raw_versions:
        separator = _version_separator(options)
        parts = raw_versions.split(separator) if separator else raw_versions.split()
        versions = [_location(p.strip(), here) for p in parts if p.strip()]
    else:
        versions = [script_location / "versions"]
    recursive = options.get("recursive_version_locations", "false").lower() in ("true", "1", "yes")
    overridden = _overridden_versions(config_file)
    return ProjectFiles(
        config_file=config_file,
        script_location=script_location,
        version_locations=overridden or versions,
        recursive=recursive,
        ini_section=ini_section,
        options=options,
        versions_overridden=bool(overridden),
    )


def _overridden_versions(config_file: Path) -> list[Path]:
    """[tool.migcheck] version_locations (relative to its pyproject.toml), if set."""
    settings = load_settings(config_file)
    value = settings.get("version_locations")
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"{settings.source}: version_locations must be a list of folders")
    folders = [_location(v, settings.root) for v in value]
    for folder in folders:
        if not folder.is_dir():
            raise InputError(f"{settings.source}: version_locations: {folder} is not a folder")
    return folders


def _stringify(value: object) -> str:
    if isinstance(value, list):
        return os.pathsep.join(str(v) for v in value)
    return str(value)


def _version_separator(options: dict[str, str]) -> str | None:
    sep = options.get("path_separator") or options.get("version_path_separator")
    return {
        "os": os.pathsep,
        ":": ":",
        ";": ";",
        "space": None,
        "newline": "\n",
        None: None,
    }.get(sep, sep)


def _location(value: str, here: Path) -> Path:
    value = _substitute(value, here)
    if ":" in value and not value.startswith("/") and not Path(value).exists():
        # package resource form "mypackage:migrations"
        package, _, sub = value.partition(":")
        try:
            import importlib.util

            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        if spec and spec.submodule_search_locations:
            return Path(next(iter(spec.submodule_search_locations))) / sub
    p = Path(value)
    return (p if p.is_absolute() else here / p).resolve()


@dataclass
class Project:
    """A loaded Alembic project: Alembic's Config and ScriptDirectory plus our file facts."""

    files: ProjectFiles
    config: Config
    script: ScriptDirectory
    # Revisions a bootstrap stamps (replay/bootstrap.py): they and their ancestors are the
    # bootstrapped starting point, and are not replayed.
    stamped: tuple[str, ...] | None = None
    url_env: list[str] = field(default_factory=list)  # set to a placeholder while loading
    _covered: tuple[tuple[str, ...], ScriptDirectory, frozenset[str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def loading(self) -> AbstractContextManager[None]:
        """What loading revision files again needs: the import path, and the URL variables
        an application imported by revision files may read at import time."""
        return _loading(self.files, self.url_env)

    def ordered_revisions(self) -> list[Script]:
        """Every revision to replay, parents before children (the order an upgrade to heads
        uses); without what a bootstrap stamps."""
        walked = list(self.script.walk_revisions("base", "heads"))
        walked.reverse()
        covered = self.covered()
        return [s for s in walked if s.revision not in covered] if covered else walked

    def covered(self) -> frozenset[str]:
        """The stamped revisions and their ancestors (worked out once per stamp and
        ScriptDirectory: replays ask for every revision)."""
        if not self.stamped:
            return frozenset()
        cached = self._covered
        if cached is None or cached[0] != self.stamped or cached[1] is not self.script:
            cached = (self.stamped, self.script, frozenset(self.ancestry(self.stamped)))
            self._covered = cached
        return cached[2]

    def parents(self, script: Script) -> set[str]:
        """The revisions `script` builds on: down revisions and depends_on (resolved)."""
        from alembic.util import to_tuple

        parents = set(to_tuple(script.down_revision) or ())
        for dependency in to_tuple(script.dependencies) or ():
            resolved = self.script.revision_map.get_revision(dependency)
            if resolved is not None:
                parents.add(resolved.revision)
        return parents

    def ancestry(self, revisions: Iterable[str]) -> dict[str, Script]:
        """`revisions` and every revision they build on, transitively."""
        found: dict[str, Script] = {}
        pending = list(revisions)
        while pending:
            name = pending.pop()
            if name in found:
                continue
            script = self.script.revision_map.get_revision(name)
            if script is None:
                continue
            found[name] = script
            pending.extend(self.parents(script))
        return found

    def revision_path(self, revision: Script) -> str:
        return self.files.relative(revision.path)


@contextmanager
def project_import_path(files: ProjectFiles) -> Iterator[None]:
    """Put the project root on sys.path the way `alembic` run from there would have it.

    Alembic's `prepend_sys_path` (default ".") makes the application importable for env.py
    and revision files; we honour it, relative to the config file's folder.
    """
    raw = files.options.get("prepend_sys_path", ".")
    entries = [str(_location(p, files.root)) for p in raw.replace(os.pathsep, " ").split() if p]
    added = [e for e in entries if e not in sys.path]
    sys.path[:0] = added
    before = set(sys.modules)
    try:
        yield
    finally:
        for entry in added:
            if entry in sys.path:
                sys.path.remove(entry)
        _forget_project_modules(files, set(sys.modules) - before)


def _forget_project_modules(files: ProjectFiles, names: set[str]) -> None:
    """Unload modules env.py imported from the project (`import models`), so that another
    project loaded later in the same process gets its own, not a stale namesake."""
    root = str(files.root)
    for name in names:
        origin = getattr(sys.modules.get(name), "__file__", None) or ""
        if origin.startswith(root):
            sys.modules.pop(name, None)


def make_config(files: ProjectFiles, x_args: list[str] | None = None) -> Config:
    """Alembic's Config for the project, as `alembic -c FILE -x ...` would build it."""
    from alembic.config import Config

    if files.config_file.suffix == ".toml":
        config = Config(toml_file=str(files.config_file), ini_section=files.ini_section)
    else:
        config = Config(str(files.config_file), ini_section=files.ini_section)
    config.cmd_opts = _CmdOpts(x=list(x_args or []))
    config.set_main_option("script_location", str(files.script_location))
    return config


class _CmdOpts:
    """The part of alembic's argparse namespace that env.py may read (`-x` arguments)."""

    def __init__(self, x: list[str]) -> None:
        self.x = x
        self.sql = False
        self.tag = None
        self.autogenerate = False


def load_project(
    path: str | Path, x_args: list[str] | None = None, url_env: list[str] | None = None
) -> Project:
    """Load the project through Alembic's public API; errors become one clear line.

    `url_env`: variables env.py (or the application it imports) reads its URL from. Revision
    files that import the application may need them set at import time already; they get a
    placeholder URL while the revisions load (no connection is made then).
    """
    return load_files(locate_project(path), x_args, url_env)


def load_files(
    files: ProjectFiles, x_args: list[str] | None = None, url_env: list[str] | None = None
) -> Project:
    """load_project for a project already located (a worker process loads it again)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if not files.env_py.is_file():
        raise InputError(f"{files.env_py}: env.py not found; is script_location right?")
    config = make_config(files, x_args)
    with _loading(files, url_env or []):
        try:
            script = ScriptDirectory.from_config(config)
            if files.versions_overridden:
                script.version_locations = [str(p) for p in files.version_locations]
            script.revision_map.heads  # noqa: B018 - forces every revision file to load
        except SyntaxError as exc:
            raise InputError(
                f"{exc.filename}:{exc.lineno}: syntax error in revision file ({exc.msg}); "
                "fix it and retry"
            ) from None
        except CommandError as exc:
            raise InputError(f"{files.config_file}: {_one_line(exc)}") from None
        except Exception as exc:  # revision graph errors and import errors in revisions
            raise InputError(_describe_load_error(files, exc)) from None
    return Project(files=files, config=config, script=script, url_env=list(url_env or []))


@contextmanager
def _loading(files: ProjectFiles, url_env: list[str]) -> Iterator[None]:
    with project_import_path(files), _placeholder_urls(url_env):
        yield


PLACEHOLDER_URL = "postgresql+psycopg://migcheck@localhost/migcheck_not_connected"


@contextmanager
def _placeholder_urls(names: list[str]) -> Iterator[None]:
    """Set the unset variables among `names` to a placeholder URL for the block."""
    unset = [name for name in names if name not in os.environ]
    os.environ.update({name: PLACEHOLDER_URL for name in unset})
    try:
        yield
    finally:
        for name in unset:
            os.environ.pop(name, None)


def _describe_load_error(files: ProjectFiles, exc: BaseException) -> str:
    from alembic.script.revision import RevisionError

    if isinstance(exc, RevisionError):
        return (
            f"{files.config_file}: broken revision graph: {_one_line(exc)}; "
            "fix down_revision in the revision files named"
        )
    if isinstance(exc, KeyError) and exc.args:
        missing = str(exc.args[0])
        where = _line_naming(files, missing) or str(files.config_file)
        return (
            f"{where}: down_revision or depends_on names {missing!r}, which is no revision "
            "in the history; fix the reference or restore the missing revision file"
        )
    location = _innermost_project_frame(files, exc)
    what = f"{type(exc).__name__}: {_one_line(exc)}"
    if location:
        return f"{location}: {what}; fix the revision file and retry"
    return f"{files.config_file}: cannot load the revision history ({what})"


def _line_naming(files: ProjectFiles, revision: str) -> str | None:
    """file:line of the down_revision/depends_on assignment that mentions `revision`."""
    for path in files.revision_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if revision in line and ("down_revision" in line or "depends_on" in line):
                return f"{files.relative(path)}:{number}"
    return None


def _innermost_project_frame(files: ProjectFiles, exc: BaseException) -> str | None:
    """file:line of the deepest traceback frame inside the project's folders."""
    roots = [str(files.script_location), *map(str, files.version_locations)]
    tb = exc.__traceback__
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if any(filename.startswith(r) for r in roots):
            found = f"{files.relative(filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())
