"""MC910-MC913, structure: how a revision file is written, independent of what it changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from migcheck.lint.context import LintContext
from migcheck.lint.facts import RevisionFacts
from migcheck.lint.rules.base import check, finding
from migcheck.model import Finding, Severity
from migcheck.rules import Rule

APPLICATION_IMPORT = Rule(
    code="MC910",
    name="imports-application-code",
    severity=Severity.WARNING,
    summary="A revision imports the application's models or settings",
    why="A revision must do the same thing in five years as today. Importing models or "
    "settings ties it to today's code instead: a renamed model breaks old revisions, and "
    'a table name computed at import time (f"{settings.table_prefix}_files") follows '
    "whatever the environment says when the module is first imported - not the database "
    "being migrated. Libraries and helpers inside the migrations folder are fine; "
    "[tool.migcheck.lint] allowed-imports lists more.",
    bad="from app.models import FileMetadata\n\n"
    "def upgrade():\n"
    "    op.create_table(FileMetadata.__tablename__, ...)",
    good='def upgrade():\n    op.create_table("storage_files", ...)',
    fix="copy what the revision needs (names, columns, enum values) into the revision",
)

HARD_CODED_SCHEMA = Rule(
    code="MC911",
    name="hard-coded-schema",
    severity=Severity.ERROR,
    summary="Raw SQL, or an ALTER-based op, names a schema that env.py remaps with "
    "schema_translate_map",
    why="schema_translate_map rewrites the schema of SQLAlchemy Table objects "
    '(op.create_table(..., schema="tenant") is fine) but not the text of raw SQL, nor the '
    "ALTER TABLE that op.add_column, op.drop_column, op.alter_column and op.rename_table "
    'compile to: "tenant.orders" there goes to the placeholder schema, not the tenant being '
    "migrated. Schemas come from env.py's literal map and [tool.migcheck.lint] "
    "remapped-schemas.",
    bad="op.execute(\"UPDATE tenant.orders SET status = 'new' WHERE status IS NULL\")",
    good='orders = sa.Table("orders", sa.MetaData(), sa.Column("status", sa.Text()),\n'
    '                  schema="tenant")\n'
    'op.execute(orders.update().where(orders.c.status.is_(None)).values(status="new"))',
    fix="use an SQLAlchemy Table with schema=..., or unqualified names and the search_path",
)

MISSING_DOWNGRADE = Rule(
    code="MC912",
    name="missing-downgrade",
    severity=Severity.WARNING,
    summary="A revision that changes something has no downgrade() or an empty one",
    why="`alembic downgrade` then reports success and leaves the change in place, so the "
    "database no longer matches the revision it claims. A downgrade that raises "
    "NotImplementedError states irreversibility on purpose and does not fire.",
    bad='def upgrade():\n    op.add_column("orders", sa.Column("note", sa.Text()))\n\n'
    "def downgrade():\n    pass",
    good='def downgrade():\n    op.drop_column("orders", "note")',
    fix="undo the upgrade, or raise NotImplementedError with the reason",
)

SQL_SYNTAX_ERROR = Rule(
    code="MC913",
    name="sql-syntax-error",
    severity=Severity.ERROR,
    summary="SQL in a revision that PostgreSQL's parser rejects",
    why="The revision fails when it reaches the statement - maybe halfway through, after "
    "earlier statements ran. SQL built with f-strings or format() is not checked.",
    bad="op.execute(\"INSERT INTO colors (name) VALUE ('White')\")",
    good="op.execute(\"INSERT INTO colors (name) VALUES ('White') ON CONFLICT DO NOTHING\")",
    fix="fix the statement; the message is PostgreSQL's own parser's",
)


@check(APPLICATION_IMPORT)
def imports_application_code(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    if facts.captured:
        return
    for ref in facts.imports:
        if ctx.is_application_import(ref):
            module = "." * ref.level + ref.module
            names = f" ({', '.join(ref.names)})" if ref.names else ""
            yield finding(
                APPLICATION_IMPORT,
                facts,
                line=ref.line,
                message=f"imports {module}{names} from the application: the revision now "
                "depends on today's code, not the code it was written against",
                subject=f"import {module}",
            )


# Alembic compiles these to ALTER TABLE with the schema as plain text: not remapped.
_ALTER_OPS = frozenset({"op.add_column", "op.drop_column", "op.alter_column", "op.rename_table"})


@check(HARD_CODED_SCHEMA)
def hard_coded_schema(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    for statement in facts.statements:
        for schema in sorted(statement.schemas & ctx.remapped_schemas):
            yield finding(
                HARD_CODED_SCHEMA,
                facts,
                line=statement.line,
                message=f"SQL names schema {schema}, which env.py remaps with "
                "schema_translate_map; raw SQL is not remapped",
                subject=f"schema {schema}",
                sql=statement.text,
            )
    for action in facts.actions:
        schema = action.table.schema if action.table else None
        if action.verb in _ALTER_OPS and schema in ctx.remapped_schemas:
            yield finding(
                HARD_CODED_SCHEMA,
                facts,
                line=action.line,
                message=f"{action.verb}(schema={schema!r}) compiles to ALTER TABLE {schema}."
                f"{action.table.name if action.table else ''}, which schema_translate_map "
                "does not remap",
                subject=f"schema {schema}",
            )


@check(MISSING_DOWNGRADE)
def missing_downgrade(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    if facts.captured or facts.upgrade_empty:
        return
    if facts.downgrade_line is None:
        message, line = "the revision has no downgrade()", 1
    elif facts.downgrade_empty:
        message, line = (
            "downgrade() is empty: downgrading leaves the upgrade's changes",
            (facts.downgrade_line),
        )
    else:
        return
    yield finding(MISSING_DOWNGRADE, facts, line=line, message=message, subject="downgrade")


@check(SQL_SYNTAX_ERROR)
def sql_syntax_error(facts: RevisionFacts, ctx: LintContext) -> Iterator[Finding]:
    if facts.captured:
        return
    for statement in facts.statements:
        if statement.error and not statement.dynamic:
            digest = hashlib.sha1(" ".join(statement.text.split()).encode()).hexdigest()[:12]
            yield finding(
                SQL_SYNTAX_ERROR,
                facts,
                line=statement.line,
                message=f"SQL does not parse: {statement.error}",
                subject=f"sql {digest}",
                sql=statement.text,
            )
