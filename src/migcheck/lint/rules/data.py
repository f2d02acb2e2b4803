"""MC7xx, data safety: data a revision writes, and whether writing it is safe and repeatable.

Only the upgrade is read: a downgrade deleting the rows its upgrade inserted is its job.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.context import LintContext
from migcheck.lint.facts import WRITES, Action, Kind, Lookup, RevisionFacts
from migcheck.lint.rules.base import check, existing, finding, on_action
from migcheck.model import Finding, Severity
from migcheck.rules import Rule

INSERT_NOT_RERUNNABLE = Rule(
    code="MC701",
    name="insert-not-rerunnable",
    severity=Severity.WARNING,
    summary="INSERT (or op.bulk_insert) into an existing table without ON CONFLICT or an "
    "existence check",
    why="Reference-data revisions meet databases that already hold some of the rows: a "
    "database seeded by hand or from a dump, a revision re-run after a partial failure. A "
    "plain INSERT then fails on the unique key or silently duplicates rows. A Python guard "
    "(`if not exists(...)`) counts as the check here, though a guard that skips rows on a "
    "fresh database is its own problem (the replay finds those).",
    bad="op.execute(\"INSERT INTO colors (name) VALUES ('White')\")",
    good="op.execute(\n"
    "    \"INSERT INTO colors (name) VALUES ('White') ON CONFLICT (name) DO NOTHING\"\n"
    ")",
    fix="add ON CONFLICT (...) DO NOTHING, or INSERT ... SELECT ... WHERE NOT EXISTS (...)",
)

INSERT_LOOKUP_CAN_MISS = Rule(
    code="MC702",
    name="insert-lookup-can-miss",
    severity=Severity.WARNING,
    summary="INSERT whose value (typically a foreign key) comes from a sub-select that can "
    "find no row",
    why="`(SELECT id FROM colors WHERE name = 'White')` yields NULL when that row is missing "
    "- as it is on a fresh database when the row was added by hand, or by a later revision. "
    "The INSERT then fails on NOT NULL or, worse, stores a NULL parent. It does not fire when "
    "the same revision inserted the looked-up row first, or when an earlier revision did (one "
    "it descends from: a row inserted on a parallel branch may not be there yet).",
    bad="op.execute(\n"
    '    "INSERT INTO colors (name, parent_id) "\n'
    "    \"VALUES ('Off-white', (SELECT id FROM colors WHERE name = 'White'))\"\n"
    ")",
    good="op.execute(\"INSERT INTO colors (name) VALUES ('White') ON CONFLICT DO NOTHING\")\n"
    "op.execute(\n"
    '    "INSERT INTO colors (name, parent_id) "\n'
    "    \"VALUES ('Off-white', (SELECT id FROM colors WHERE name = 'White')) \"\n"
    '    "ON CONFLICT DO NOTHING"\n'
    ")",
    fix="insert the looked-up row first (ON CONFLICT DO NOTHING), in the same revision or in "
    "one it descends from",
)

UNBOUNDED_WRITE = Rule(
    code="MC703",
    name="update-delete-without-where",
    severity=Severity.WARNING,
    summary="UPDATE, DELETE or TRUNCATE of an existing table without WHERE",
    why="A revision runs long after it was written, on databases holding rows its author "
    "never saw; without a WHERE it changes all of them. Backfilling columns the same "
    "revision adds is exempt.",
    bad="op.execute(\"UPDATE products SET status = 'archived'\")",
    good="op.execute(\"UPDATE products SET status = 'archived' WHERE discontinued\")",
    fix="add a WHERE naming the rows the revision means to change",
)

NON_IDEMPOTENT_UPDATE = Rule(
    code="MC704",
    name="non-idempotent-update",
    severity=Severity.WARNING,
    summary="UPDATE that sets a column from its own value (x = x + 1)",
    why="Run twice - after a partial failure, or on a database that was patched by hand - it "
    "changes the data twice. A WHERE on the same column (x = x + 1 WHERE x = 1) counts as a "
    "guard.",
    bad='op.execute("UPDATE prices SET amount = amount * 1.1")',
    good='op.execute("UPDATE prices SET amount = 11 WHERE amount = 10")',
    fix="set the target value, or guard with a WHERE on the old value",
)

TABLE_CREATED_LATER = Rule(
    code="MC705",
    name="table-created-later",
    severity=Severity.ERROR,
    summary="Data written into a table that only a later revision creates",
    why="The revision was written against a database where the table already existed (made "
    "by hand, or by a revision that was merged later). On a fresh database, revisions run in "
    "order and the table is not there yet.",
    bad="# revision a1\n"
    "op.execute(\"INSERT INTO colors (name) VALUES ('White') ON CONFLICT DO NOTHING\")\n"
    "# revision b2, down_revision = 'a1'\n"
    'op.create_table("colors", sa.Column("name", sa.Text(), unique=True))',
    good="# revision a1\n"
    'op.create_table("colors", sa.Column("name", sa.Text(), unique=True))\n'
    "# revision b2, down_revision = 'a1'\n"
    "op.execute(\"INSERT INTO colors (name) VALUES ('White') ON CONFLICT DO NOTHING\")",
    fix="move the data into a revision after the one that creates the table",
)

VOLATILE_INSERT = Rule(
    code="MC706",
    name="volatile-inserted-value",
    severity=Severity.WARNING,
    summary="Inserted rows hold volatile values (now(), random(), gen_random_uuid(), "
    "uuid.uuid4(), ...)",
    why="Reference data should be identical on every database the history builds; volatile "
    "values differ on each, so dumps never compare equal and ids referenced elsewhere differ.",
    bad="op.execute(\"INSERT INTO plans (id, name) VALUES (gen_random_uuid(), 'free')\")",
    good="op.execute(\n"
    '    "INSERT INTO plans (id, name) "\n'
    "    \"VALUES ('0b7c6f1e-2d1a-4c55-9b8e-3f0a5d2e8c11', 'free') ON CONFLICT DO NOTHING\"\n"
    ")",
    fix="write the literal value into the revision",
)


@check(INSERT_NOT_RERUNNABLE)
def insert_not_rerunnable(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    for action in facts.upgrade(Kind.INSERT):
        if existing(facts, action) and not action.existence_checked and not action.site.guarded:
            yield on_action(
                INSERT_NOT_RERUNNABLE,
                facts,
                action,
                f"{action.verb} into table {action.table} has no ON CONFLICT or existence "
                "check: on a database that has the rows it fails or duplicates them",
            )


@check(INSERT_LOOKUP_CAN_MISS)
def insert_lookup_can_miss(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    inserts = facts.upgrade(Kind.INSERT)
    for index, action in enumerate(inserts):
        for lookup in action.lookups:
            if not _inserted_before(lookup, inserts[:index], facts, ctx):
                yield on_action(
                    INSERT_LOOKUP_CAN_MISS,
                    facts,
                    action,
                    f"{action.verb} into table {action.table} takes a value from a sub-select "
                    f"on {lookup.table} that can find no row: then it stores NULL or fails",
                )


def _inserted_before(
    lookup: Lookup, earlier: list[Action], facts: RevisionFacts, ctx: LintContext
) -> bool:
    """The looked-up row is inserted earlier in this revision, or by one of its ancestors."""
    if any(lookup.found_by(a) for a in earlier):
        return True
    if ctx.history is None or facts.revision is None:
        return False
    return ctx.history.inserted_by_ancestor(facts.revision, lookup) is not None


@check(UNBOUNDED_WRITE)
def update_delete_without_where(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    for action in facts.upgrade(Kind.UPDATE, Kind.DELETE):
        if action.has_where or not existing(facts, action) or _backfills(facts, action):
            continue
        yield on_action(
            UNBOUNDED_WRITE,
            facts,
            action,
            f"{action.verb} of table {action.table} has no WHERE: it changes every row",
        )


def _backfills(facts: RevisionFacts, action: Action) -> bool:
    """An UPDATE filling only columns this revision adds: every row is the point."""
    added = {
        a.column
        for a in facts.upgrade(Kind.ADD_COLUMN)
        if a.table is not None and action.table is not None and a.table.same(action.table)
    }
    return (
        action.kind is Kind.UPDATE and bool(action.set_columns) and set(action.set_columns) <= added
    )


@check(NON_IDEMPOTENT_UPDATE)
def non_idempotent_update(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    for action in facts.upgrade(Kind.UPDATE):
        if action.site.guarded or action.table is None:
            continue
        for column in action.self_updates:
            yield finding(
                NON_IDEMPOTENT_UPDATE,
                facts,
                line=action.line,
                message=f"UPDATE sets {action.table}.{column} from its own value: "
                "each run changes it again",
                subject=f"column {action.table}.{column}",
                sql=action.sql,
            )


@check(TABLE_CREATED_LATER)
def table_created_later(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    if ctx.history is None or facts.revision is None:
        return
    for action in facts.upgrade(*WRITES):
        if action.table is None:
            continue
        creator = ctx.history.created_later(facts.revision, action.table)
        if creator is not None:
            yield on_action(
                TABLE_CREATED_LATER,
                facts,
                action,
                f"{action.verb} into table {action.table}, which only a later revision "
                f"({creator}) creates: on a fresh database the table does not exist yet",
            )


@check(VOLATILE_INSERT)
def volatile_inserted_value(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    for action in facts.upgrade(Kind.INSERT):
        if action.volatile and action.table is not None:
            yield on_action(
                VOLATILE_INSERT,
                facts,
                action,
                f"{action.verb} into table {action.table} stores {', '.join(action.volatile)}: "
                "the rows differ on every database",
            )
