"""Run the lint rules over revision files, or over the SQL a replay actually executed.

`lint_project` reads every revision file of the project once (the history is needed for the
ordering rule even when only a few files are asked about) and returns raw findings;
suppression comments, [tool.migcheck] selection and the baseline are applied by the caller
(`migcheck.selection.prepare`, `migcheck.baseline`), so `migcheck run` gates its findings the
same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from migcheck.config import Settings
from migcheck.lint import sql
from migcheck.lint.coltypes import catalog_type, rewrites
from migcheck.lint.context import LintContext
from migcheck.lint.facts import Action, Kind, RevisionFacts, Site
from migcheck.lint.history import History
from migcheck.lint.rules import CHECKS
from migcheck.lint.source import read_revision
from migcheck.model import Finding

if TYPE_CHECKING:  # the project module imports alembic, which lint never needs
    from migcheck.project import ProjectFiles


def read_history(files: ProjectFiles, extra: Iterable[Path] = ()) -> list[RevisionFacts]:
    """Facts of every revision file of the project plus `extra` files, each read once."""
    paths = dict.fromkeys(p.absolute() for p in (*files.revision_files(), *extra))
    return [read_revision(path, files.relative(path)) for path in paths]


def lint_project(
    files: ProjectFiles, settings: Settings, only: Sequence[Path] | None = None
) -> tuple[list[Finding], int]:
    """Raw findings for the project's revisions (or just `only`), and how many were linted."""
    revisions = read_history(files, only or ())
    context = LintContext.for_project(files, settings, History(revisions))
    if only is not None:
        wanted = {files.relative(p.absolute()) for p in only}
        revisions = [r for r in revisions if r.path in wanted]
    targets = [r for r in revisions if r.is_revision]
    return lint_revisions(targets, context), len(targets)


def lint_revisions(revisions: Iterable[RevisionFacts], context: LintContext) -> list[Finding]:
    findings = [f for facts in revisions for run in CHECKS for f in run(facts, context)]
    return sorted(findings, key=sort_key)


def lint_statements(
    statements: Sequence[tuple[str, int | None]],
    revision_id: str | None,
    path: str | None,
    *,
    context: LintContext | None = None,
    source: Path | None = None,
    direction: str = "upgrade",
    column_types: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Findings for the SQL one step of a replay executed, in order.

    `statements` are (sql, line of the revision file that issued it). `source` is the revision
    file: when given, each statement inherits the conditions of the call at its line (under an
    `if` guard, in an autocommit block), so lint and replay agree. Without it the transaction
    rules stay silent, since the server itself reports what it refused. Statements on the
    version table are Alembic's own and are skipped. Build `context` once per run with
    `LintContext.for_project(files, settings)`. `column_types` (`schema.table.column` ->
    format_type) are the columns as the database had them before the step: a type change is
    then judged from the type it really had, not assumed to rewrite.
    """
    context = context or LintContext()
    sites = read_revision(source, path or str(source)) if source is not None else None
    facts = RevisionFacts(path=path or "", revision=revision_id, captured=True)
    for text, line in statements:
        site = sites.site_at(line) if sites is not None else None
        placed = replace(site, phase=direction) if site else _unknown_site(direction, line)
        for statement in sql.parse(text, line, placed, in_file=False):
            actions = tuple(
                a
                for a in statement.actions
                if a.table is None or a.table.name != context.version_table
            )
            if len(actions) != len(statement.actions) and not actions:
                continue
            if column_types:
                actions = tuple(_with_old_type(a, column_types) for a in actions)
            facts.statements.append(replace(statement, actions=actions))
            facts.actions.extend(actions)
    return lint_revisions([facts], context)


def _with_old_type(action: Action, column_types: Mapping[str, str]) -> Action:
    """A type change with the column's type before it, read from the database."""
    if action.kind is not Kind.ALTER_TYPE or action.old_type or action.using:
        return action  # known already, or a rewrite whatever the types (USING)
    if action.table is None or action.new_type is None:
        return action
    suffix = f".{action.table.name}.{action.column}"
    found = {
        kind
        for name, kind in column_types.items()
        if name.endswith(suffix)
        and (action.table.schema is None or name == f"{action.table}.{action.column}")
    }
    if len(found) != 1:
        return action
    old = catalog_type(found.pop())
    return replace(action, old_type=old, rewrites=rewrites(old, action.new_type))


def _unknown_site(direction: str, line: int | None) -> Site:
    return Site(phase=direction, first=line or 0, last=line or 0, transactional=False)


def sort_key(finding: Finding) -> tuple[str, int, str, str]:
    location = finding.location
    return (location.path or "", location.line or 0, finding.code, finding.message)
