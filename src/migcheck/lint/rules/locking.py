"""MC8xx, locking and availability: DDL that blocks a live table or that PostgreSQL refuses.

Tables the revision creates itself are exempt: nobody else can be using them yet.
"""

from __future__ import annotations

from collections.abc import Iterator

from migcheck.lint.context import LintContext
from migcheck.lint.facts import WRITES, Action, Kind, RevisionFacts
from migcheck.lint.rules.base import check, existing, finding, on_action
from migcheck.model import Finding, Severity
from migcheck.rules import Rule

INDEX_WITHOUT_CONCURRENTLY = Rule(
    code="MC801",
    name="index-without-concurrently",
    severity=Severity.WARNING,
    summary="CREATE INDEX on an existing table without CONCURRENTLY",
    why="A plain CREATE INDEX holds a SHARE lock for the whole build: every INSERT, UPDATE "
    "and DELETE on the table waits, for minutes on a large table.",
    bad='op.create_index("ix_orders_customer", "orders", ["customer_id"])',
    good="with op.get_context().autocommit_block():\n"
    "    op.create_index(\n"
    '        "ix_orders_customer", "orders", ["customer_id"], postgresql_concurrently=True\n'
    "    )",
    fix="build it with postgresql_concurrently=True inside op.get_context().autocommit_block()",
)

CONCURRENTLY_IN_TRANSACTION = Rule(
    code="MC802",
    name="concurrently-in-transaction",
    severity=Severity.ERROR,
    summary="CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY or DETACH PARTITION "
    "CONCURRENTLY inside the migration's transaction",
    why="Alembic runs each migration in a transaction on PostgreSQL, and PostgreSQL refuses "
    'these statements inside one ("cannot run inside a transaction block").',
    bad='op.create_index("ix_orders_customer", "orders", ["customer_id"],\n'
    "                postgresql_concurrently=True)",
    good="with op.get_context().autocommit_block():\n"
    '    op.create_index("ix_orders_customer", "orders", ["customer_id"],\n'
    "                    postgresql_concurrently=True)",
    fix="run it inside `with op.get_context().autocommit_block():`",
)

ENUM_VALUE_IN_TRANSACTION = Rule(
    code="MC803",
    name="enum-value-in-transaction",
    severity=Severity.WARNING,
    summary="ALTER TYPE ... ADD VALUE inside the migration's transaction",
    why="Before PostgreSQL 12 it fails inside a transaction; since then the new value cannot "
    "be used until the transaction commits, so a later statement of the same migration "
    "(or of the same upgrade run) that uses it fails.",
    bad="op.execute(\"ALTER TYPE order_status ADD VALUE 'refunded'\")",
    good="with op.get_context().autocommit_block():\n"
    "    op.execute(\"ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'\")",
    fix="run it inside `with op.get_context().autocommit_block():`",
)

NOT_NULL_WITHOUT_DEFAULT = Rule(
    code="MC804",
    name="not-null-column-without-default",
    severity=Severity.ERROR,
    summary="NOT NULL column added to an existing table without a server default",
    why="On a table that has rows PostgreSQL cannot fill the new column and the migration "
    "fails - in production, not on the empty development database.",
    bad='op.add_column("orders", sa.Column("currency", sa.Text(), nullable=False))',
    good='op.add_column(\n    "orders",\n'
    '    sa.Column("currency", sa.Text(), nullable=False, server_default="EUR"),\n)',
    fix="give it a server_default, or add it nullable, backfill, then set NOT NULL",
)

SET_NOT_NULL = Rule(
    code="MC805",
    name="set-not-null",
    severity=Severity.WARNING,
    summary="SET NOT NULL on a column of an existing table",
    why="PostgreSQL checks every row under an ACCESS EXCLUSIVE lock, blocking reads and writes "
    "for the whole scan. A valid CHECK (col IS NOT NULL) lets it skip the scan (PostgreSQL 12+).",
    bad='op.alter_column("orders", "currency", nullable=False)',
    good="op.create_check_constraint(\n"
    '    "ck_orders_currency", "orders", "currency IS NOT NULL", postgresql_not_valid=True\n'
    ")\n"
    'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_currency")\n'
    'op.alter_column("orders", "currency", nullable=False)',
    fix="add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL",
)

COLUMN_TYPE_REWRITE = Rule(
    code="MC806",
    name="column-type-rewrite",
    severity=Severity.WARNING,
    summary="Column type change that rewrites an existing table",
    why="Most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock. "
    "Only widening varchar/text and growing numeric precision are free. Without "
    "existing_type lint cannot tell, so only a change to unbounded text is assumed free.",
    bad='op.alter_column("orders", "total", type_=sa.Numeric(12, 2), existing_type=sa.Integer())',
    good='op.alter_column("orders", "note", type_=sa.Text(), existing_type=sa.String(200))',
    fix="add a new column, backfill it in batches and switch over; or accept the lock knowingly",
)

CONSTRAINT_WITHOUT_NOT_VALID = Rule(
    code="MC807",
    name="constraint-without-not-valid",
    severity=Severity.WARNING,
    summary="Foreign key or check constraint added to an existing table without NOT VALID",
    why="Adding it validates every row while holding a lock that blocks writes (and, for a "
    "foreign key, writes to the referenced table too). NOT VALID adds it at once; "
    "VALIDATE CONSTRAINT later checks the rows under a weaker lock.",
    bad='op.create_foreign_key("fk_orders_customer", "orders", "customers",\n'
    '                      ["customer_id"], ["id"])',
    good='op.create_foreign_key("fk_orders_customer", "orders", "customers",\n'
    '                      ["customer_id"], ["id"], postgresql_not_valid=True)\n'
    'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer")',
    fix="add it NOT VALID (postgresql_not_valid=True), then VALIDATE CONSTRAINT",
)


def _subject(action: Action) -> str:
    return f"index {action.target}" if action.target else f"table {action.table}"


@check(INDEX_WITHOUT_CONCURRENTLY)
def index_without_concurrently(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    for action in facts.upgrade(Kind.CREATE_INDEX):
        if not action.concurrently and existing(facts, action):
            name = f" {action.target}" if action.target else ""
            yield finding(
                INDEX_WITHOUT_CONCURRENTLY,
                facts,
                line=action.line,
                message=f"index{name} on existing table {action.table} is built without "
                "CONCURRENTLY: writes to the table wait until it is done",
                subject=_subject(action),
                sql=action.sql,
            )


@check(CONCURRENTLY_IN_TRANSACTION)
def concurrently_in_transaction(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    if not ctx.transactional_ddl:
        return
    for action in facts.actions:
        concurrent = action.kind is Kind.NO_TRANSACTION or action.concurrently
        if concurrent and action.site.transactional:
            yield finding(
                CONCURRENTLY_IN_TRANSACTION,
                facts,
                line=action.line,
                message=f"{action.verb} (CONCURRENTLY) runs inside the migration's "
                "transaction, where PostgreSQL refuses it",
                subject=_subject(action) if action.table else action.verb,
                sql=action.sql,
            )


@check(ENUM_VALUE_IN_TRANSACTION)
def enum_value_in_transaction(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    if not ctx.transactional_ddl:
        return
    for action in facts.upgrade(Kind.ADD_ENUM_VALUE):
        if action.site.transactional:
            yield finding(
                ENUM_VALUE_IN_TRANSACTION,
                facts,
                line=action.line,
                message=f"ALTER TYPE {action.target} ADD VALUE runs inside the migration's "
                "transaction: the value cannot be used before it commits",
                subject=f"type {action.target}",
                sql=action.sql,
            )


@check(NOT_NULL_WITHOUT_DEFAULT)
def not_null_without_default(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    upgrade = facts.upgrade()
    for index, action in enumerate(upgrade):
        if action.kind is not Kind.ADD_COLUMN or _emptied_before(upgrade[:index], action):
            continue
        if action.not_null and not action.has_default and existing(facts, action):
            yield on_action(
                NOT_NULL_WITHOUT_DEFAULT,
                facts,
                action,
                f"column {action.table}.{action.column} is added NOT NULL without a server "
                "default: this fails on a table that has rows",
            )


def _emptied_before(earlier: list[Action], action: Action) -> bool:
    """Whether the revision's last write to the table before `action` deleted every row (it
    then adds the column to an empty table, and puts the rows back afterwards)."""
    if action.table is None:
        return False
    for candidate in reversed(earlier):
        if candidate.kind in WRITES and candidate.table and candidate.table.same(action.table):
            return candidate.kind is Kind.DELETE and not candidate.has_where
    return False


@check(SET_NOT_NULL)
def set_not_null(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    upgrade = facts.upgrade()
    for index, action in enumerate(upgrade):
        if action.kind is not Kind.SET_NOT_NULL or not existing(facts, action):
            continue
        if any(_checks_not_null(a, action) for a in upgrade[:index]):
            continue
        yield on_action(
            SET_NOT_NULL,
            facts,
            action,
            f"SET NOT NULL on {action.table}.{action.column} scans the whole table under an "
            "exclusive lock",
        )


def _checks_not_null(candidate: Action, action: Action) -> bool:
    return (
        candidate.kind is Kind.ADD_CHECK
        and candidate.column == action.column
        and candidate.table is not None
        and action.table is not None
        and candidate.table.same(action.table)
    )


@check(COLUMN_TYPE_REWRITE)
def column_type_rewrite(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    for action in facts.upgrade(Kind.ALTER_TYPE):
        if action.rewrites and existing(facts, action):
            change = f"from {action.old_type} to" if action.old_type else "to"
            verb = "rewrites" if action.old_type else "may rewrite"
            yield on_action(
                COLUMN_TYPE_REWRITE,
                facts,
                action,
                f"changing {action.table}.{action.column} {change} {action.new_type} {verb} "
                "the table under an exclusive lock",
            )


@check(CONSTRAINT_WITHOUT_NOT_VALID)
def constraint_without_not_valid(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    for action in facts.upgrade(Kind.ADD_FOREIGN_KEY, Kind.ADD_CHECK):
        if action.not_valid or not existing(facts, action):
            continue
        what = "foreign key" if action.kind is Kind.ADD_FOREIGN_KEY else "check constraint"
        name = f" {action.target}" if action.target else ""
        yield finding(
            CONSTRAINT_WITHOUT_NOT_VALID,
            facts,
            line=action.line,
            message=f"{what}{name} on existing table {action.table} is added without NOT "
            "VALID: every row is checked while writes wait",
            subject=f"constraint {action.target}" if action.target else f"table {action.table}",
            sql=action.sql,
        )
