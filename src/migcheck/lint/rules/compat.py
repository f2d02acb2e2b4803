"""MC901-MC904, compatibility: changes that break the release still running during a deploy.

During a rolling deploy the old release keeps serving while the migration runs, so dropping
or renaming what it reads breaks it. Only the upgrade is read (a downgrade drops by design),
and objects the revision creates itself are exempt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from migcheck.lint.context import LintContext
from migcheck.lint.facts import Action, Kind, RevisionFacts
from migcheck.lint.rules.base import check, existing, on_action
from migcheck.model import Finding, Severity
from migcheck.rules import Rule

_DEPLOYED = "the release still running during the deploy uses it"

DROP_TABLE = Rule(
    code="MC901",
    name="drop-table",
    severity=Severity.WARNING,
    summary="An upgrade drops a table",
    why=f"Data is gone for good, and {_DEPLOYED}.",
    bad='op.drop_table("legacy_orders")',
    good="# release 1 stops using legacy_orders; a later revision drops it:\n"
    'op.drop_table("legacy_orders")  # migcheck: ignore[MC901]',
    fix="stop using the table in a release first, then drop it (and mark the drop as intended)",
)

DROP_COLUMN = Rule(
    code="MC902",
    name="drop-column",
    severity=Severity.WARNING,
    summary="An upgrade drops a column",
    why=f"The column's data is gone for good, and {_DEPLOYED} (SQLAlchemy selects every "
    "mapped column).",
    bad='op.drop_column("orders", "legacy_code")',
    good="# release 1 removes the column from the model; a later revision drops it:\n"
    'op.drop_column("orders", "legacy_code")  # migcheck: ignore[MC902]',
    fix="remove the column from the models in a release first, then drop it",
)

RENAME_TABLE = Rule(
    code="MC903",
    name="rename-table",
    severity=Severity.WARNING,
    summary="An upgrade renames a table",
    why=f"Queries of the old name fail the moment the rename commits, and {_DEPLOYED}.",
    bad='op.rename_table("sizes", "sizes_normalized")',
    good='op.create_table("sizes_normalized", ...)  # copy, switch readers, drop later',
    fix="create the new table (or a view under the old name), move readers, drop later",
)

RENAME_COLUMN = Rule(
    code="MC904",
    name="rename-column",
    severity=Severity.WARNING,
    summary="An upgrade renames a column",
    why=f"Queries of the old name fail the moment the rename commits, and {_DEPLOYED}.",
    bad='op.alter_column("orders", "total", new_column_name="amount")',
    good='op.add_column("orders", sa.Column("amount", sa.Numeric()))  # backfill, switch, drop',
    fix="add the new column, write both, switch readers, then drop the old one",
)


def _describe_drop(action: Action) -> str:
    what = f"column {action.table}.{action.column}" if action.column else f"table {action.table}"
    return f"drops {what}: {_DEPLOYED}"


def _describe_rename(action: Action) -> str:
    what = f"column {action.table}.{action.column}" if action.column else f"table {action.table}"
    return f"renames {what} to {action.target}: {_DEPLOYED}"


def _compatibility_check(
    rule: Rule, kind: Kind, describe: Callable[[Action], str]
) -> Callable[[RevisionFacts, LintContext], Iterator[Finding]]:
    def run(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
        for action in facts.upgrade(kind):
            if existing(facts, action):
                yield on_action(rule, facts, action, describe(action))

    run.__name__ = rule.name.replace("-", "_")
    return check(rule)(run)


for _rule, _kind, _describe in (
    (DROP_TABLE, Kind.DROP_TABLE, _describe_drop),
    (DROP_COLUMN, Kind.DROP_COLUMN, _describe_drop),
    (RENAME_TABLE, Kind.RENAME_TABLE, _describe_rename),
    (RENAME_COLUMN, Kind.RENAME_COLUMN, _describe_rename),
):
    _compatibility_check(_rule, _kind, _describe)
