"""What rules need to know about the project around a revision, read without running it.

From env.py (parsed, never imported): the schemas that `schema_translate_map` remaps, whether
`transactional_ddl=False` turns off the migration transaction, the version table's name.
From the configuration: where the application's own packages live (to tell an application
import from a library one) and `[tool.migcheck.lint]` options.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from migcheck.config import Settings
from migcheck.errors import InputError
from migcheck.lint.facts import ImportRef
from migcheck.lint.history import History

if TYPE_CHECKING:  # the project module imports alembic, which lint never needs
    from migcheck.project import ProjectFiles

# Libraries a revision may well import: they are pinned by the project, not today's app code.
LIBRARIES = frozenset(
    {
        "alembic",
        "sqlalchemy",
        "sqlalchemy_utils",
        "sqlmodel",
        "geoalchemy2",
        "alembic_utils",
        "alembic_postgresql_enum",
        "psycopg",
        "psycopg2",
        "asyncpg",
        "pgvector",
        "typing_extensions",
    }
)
# Module names that say "application state" even when the package is installed elsewhere.
APPLICATION_WORDS = frozenset({"models", "model", "settings", "config", "conf"})


@dataclass
class LintContext:
    remapped_schemas: frozenset[str] = frozenset()
    transactional_ddl: bool = True
    version_table: str = "alembic_version"
    import_roots: tuple[Path, ...] = ()
    migration_roots: tuple[Path, ...] = ()
    allowed_imports: tuple[str, ...] = ()
    history: History | None = None
    _local: dict[str, Path | None] = field(default_factory=dict, repr=False)

    @classmethod
    def for_project(
        cls, files: ProjectFiles, settings: Settings, history: History | None = None
    ) -> LintContext:
        options = settings.section("lint")
        remapped, transactional, version_table = _read_env(files.env_py)
        raw_paths = files.options.get("prepend_sys_path", ".").replace(os.pathsep, " ").split()
        roots = [files.root / p.replace("%(here)s", str(files.root)) for p in raw_paths]
        roots.append(settings.root)
        roots.extend([r / "src" for r in roots])
        return cls(
            remapped_schemas=remapped | frozenset(_strings(options, "remapped-schemas", settings)),
            transactional_ddl=transactional,
            version_table=version_table,
            import_roots=tuple(dict.fromkeys(r.resolve() for r in roots)),
            migration_roots=tuple(
                p.resolve() for p in (files.script_location, *files.version_locations)
            ),
            allowed_imports=tuple(_strings(options, "allowed-imports", settings)),
            history=history,
        )

    def is_application_import(self, ref: ImportRef) -> bool:
        """An import of the project's own code (models, settings), not of a library."""
        dotted = ".".join(p for p in (ref.module, *ref.names) if p)
        if any(dotted == a or dotted.startswith(f"{a}.") for a in self.allowed_imports):
            return False
        words = {*ref.module.split("."), *ref.names} & APPLICATION_WORDS
        top = ref.module.split(".")[0]
        if ref.level or not top:
            return bool(words)
        if top in sys.stdlib_module_names or top in LIBRARIES:
            return False
        local = self._find_local(top)
        if local is not None:
            return not any(local == m or m in local.parents for m in self.migration_roots)
        return bool(words)

    def _find_local(self, top: str) -> Path | None:
        if top not in self._local:
            self._local[top] = next(
                (
                    candidate
                    for root in self.import_roots
                    for candidate in (root / top, root / f"{top}.py")
                    if candidate.exists()
                ),
                None,
            )
        return self._local[top]


def _strings(options: dict[str, object], key: str, settings: Settings) -> list[str]:
    value = options.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        where = settings.source or "pyproject.toml"
        raise InputError(f"{where}: [tool.migcheck.lint] {key} must be a list of strings")
    return value


def _read_env(env_py: Path) -> tuple[frozenset[str], bool, str]:
    """(remapped schemas, transactional DDL, version table) as env.py literally states them.

    A key of the translate map may be a name bound to a literal, or `module.NAME` for a
    module beside env.py that binds NAME to a literal (read, not imported).
    """
    tree = _parse(env_py)
    if tree is None:
        return frozenset(), True, "alembic_version"  # the replay reports a broken env.py
    bound = _bindings(tree)
    remapped: set[str] = set()
    transactional, version_table = True, "alembic_version"
    for node in ast.walk(tree):
        if not isinstance(node, ast.keyword):
            continue
        value = (
            bound.get(node.value.id, node.value) if isinstance(node.value, ast.Name) else node.value
        )
        if node.arg == "schema_translate_map" and isinstance(value, ast.Dict):
            keys = (_literal(k, bound, env_py.parent) for k in value.keys if k is not None)
            remapped.update(k for k in keys if k)
        elif node.arg == "transactional_ddl" and isinstance(value, ast.Constant):
            transactional = value.value is not False
        elif node.arg == "version_table" and isinstance(value, ast.Constant):
            version_table = str(value.value)
    return frozenset(remapped), transactional, version_table


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError):
        return None


def _bindings(tree: ast.Module) -> dict[str, ast.expr]:
    return {
        target.id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _literal(node: ast.expr, bound: dict[str, ast.expr], folder: Path) -> str | None:
    if isinstance(node, ast.Name):
        node = bound.get(node.id, node)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        module = _parse(folder / f"{node.value.id}.py")
        node = _bindings(module).get(node.attr, node) if module else node
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
