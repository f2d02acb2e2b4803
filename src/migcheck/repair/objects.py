"""Create, drop and alter one schema object, read from one side of the comparison.

Tables, columns, indexes and unique, check, primary and foreign keys become Alembic
operations (built from the reflected object and rendered by Alembic's autogenerate
renderer); what Alembic has no operation for (schemas, enums and other types, sequences,
views, functions, triggers, policies, renames) becomes `op.execute` with SQL taken from the
catalog. Each function returns statements for `pysource.body`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.sql.elements import conv

from migcheck.repair.pysource import Sql, Statement
from migcheck.repair.side import DEFAULT_SCHEMA, Side
from migcheck.snapshot import DbObject


class Unsupported(Exception):
    """A difference repair cannot write; the message says what to write by hand."""


class Renderer:
    """Alembic's renderer, collecting the imports the rendered code needs."""

    def __init__(self) -> None:
        context = MigrationContext.configure(dialect_name="postgresql")
        self.context = AutogenContext(
            context,
            opts={
                "sqlalchemy_module_prefix": "sa.",
                "alembic_module_prefix": "op.",
                "render_as_batch": False,
                "user_module_prefix": None,
            },
        )

    def __call__(self, op: ops.MigrateOperation) -> str:
        return render_op_text(self.context, op)

    @property
    def imports(self) -> set[str]:
        return set(self.context.imports)


def split(qualified: str) -> tuple[str | None, str]:
    """(schema, name) as Alembic operations take them: no schema for the default one."""
    schema, _, name = qualified.partition(".")
    return (None if schema == DEFAULT_SCHEMA else schema), name


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _table_of(obj: DbObject) -> str:
    assert obj.parent is not None
    return obj.parent[1]


def _own_name(obj: DbObject) -> str:
    return obj.name[len(_table_of(obj)) + 1 :]


# --- tables -----------------------------------------------------------------------------------


def create_table(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    table = side.table(obj.name)
    owned = [s for s in side.snapshot.of_kind("sequence") if _owned_by_table(s, obj.name)]
    before: list[Statement] = []
    after: list[Statement] = []
    for sequence in owned:
        column = table.columns[sequence.attrs["owned_by"].rsplit(".", 1)[1]]
        if column.identity is not None:
            continue  # the identity column makes its own
        if _is_serial(sequence, column, table):
            column.server_default = None
            continue
        attrs = dict(sequence.attrs, owned_by=None)
        before += create_sequence(side, DbObject("sequence", sequence.name, attrs))
        after.append(
            Sql(f"ALTER SEQUENCE {side.quote(sequence.name)} OWNED BY {_owned(side, sequence)}")
        )
    creating = ops.CreateTableOp.from_table(table)
    creating.indexes = set()
    security = row_security(side, obj, "disabled")
    return [*before, render(creating), *after, *security]


def row_security(side: Side, obj: DbObject, current: str) -> list[Statement]:
    """ALTER TABLE ... ENABLE/DISABLE and FORCE/NO FORCE ROW LEVEL SECURITY, from the
    table's `current` row_security (disabled, enabled, forced) to the one `obj` has."""
    wanted = obj.attrs.get("row_security", "disabled")
    table = f"ALTER TABLE {side.quote(obj.name)}"
    statements: list[Statement] = []
    if (wanted == "disabled") != (current == "disabled"):
        action = "DISABLE" if wanted == "disabled" else "ENABLE"
        statements.append(Sql(f"{table} {action} ROW LEVEL SECURITY"))
    if (wanted == "forced") != (current == "forced"):
        action = "FORCE" if wanted == "forced" else "NO FORCE"
        statements.append(Sql(f"{table} {action} ROW LEVEL SECURITY"))
    return statements


def drop_table(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    schema, name = split(obj.name)
    return [render(ops.DropTableOp(name, schema=schema))]


def _owned_by_table(sequence: DbObject, table: str) -> bool:
    owned_by = sequence.attrs.get("owned_by") or ""
    return owned_by.rsplit(".", 1)[0] == table


def _owned(side: Side, sequence: DbObject) -> str:
    table, column = sequence.attrs["owned_by"].rsplit(".", 1)
    return f"{side.quote(table)}.{side.quote(column)}"


_SERIAL_MAX = {"integer": 2147483647, "bigint": 9223372036854775807}


def _is_serial(sequence: DbObject, column: sa.Column[Any], table: sa.Table) -> bool:
    """Would `sa.Column(..., primary_key)` alone (SERIAL) create exactly this sequence?"""
    a = sequence.attrs
    return (
        list(table.primary_key.columns) == [column]
        and split(sequence.name)[1] == f"{table.name}_{column.name}_seq"
        and a["type"] in _SERIAL_MAX
        and (a["start"], a["increment"], a["min"], a["cache"], a["cycle"]) == (1, 1, 1, 1, False)
        and a["max"] == _SERIAL_MAX[a["type"]]
        and isinstance(column.type, sa.Integer)
        and column.type.compile(dialect=side_dialect()).lower() == a["type"]
    )


def side_dialect() -> Any:
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()  # type: ignore[no-untyped-call]


# --- columns ----------------------------------------------------------------------------------


def add_column(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    schema, table = split(_table_of(obj))
    column = side.table(_table_of(obj)).columns[_own_name(obj)]
    return [render(ops.AddColumnOp.from_column_and_tablename(schema, table, column))]


def drop_column(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    schema, table = split(_table_of(obj))
    return [render(ops.DropColumnOp(table, _own_name(obj), schema=schema))]


_ALTERABLE = {"type", "nullable", "default", "comment"}


def alter_column(
    side: Side, other: Side, obj: DbObject, attributes: set[str], render: Renderer
) -> list[Statement]:
    """Make the column as on `side`, coming from `other`."""
    if attributes - _ALTERABLE:
        raise Unsupported(f"column {obj.name}: {', '.join(sorted(attributes - _ALTERABLE))}")
    schema, table = split(_table_of(obj))
    target = side.table(_table_of(obj)).columns[_own_name(obj)]
    current = other.table(_table_of(obj)).columns[_own_name(obj)]
    kw: dict[str, Any] = {}
    if "type" in attributes:
        kw["modify_type"] = target.type
    if "nullable" in attributes:
        kw["modify_nullable"] = target.nullable
    if "default" in attributes:
        kw["modify_server_default"] = _default(target)
    if "comment" in attributes:
        kw["modify_comment"] = target.comment
    op = ops.AlterColumnOp(
        table,
        target.name,
        schema=schema,
        existing_type=current.type,
        existing_nullable=current.nullable,
        existing_server_default=_default(current) if "default" not in attributes else False,
        existing_comment=current.comment if "comment" not in attributes else None,
        **kw,
    )
    return [render(op)]


def _default(column: sa.Column[Any]) -> Any:
    default = column.server_default
    return default if isinstance(default, sa.DefaultClause) else None


# --- constraints ------------------------------------------------------------------------------

_TYPES = {
    "unique": "unique",
    "foreign key": "foreignkey",
    "primary key": "primary",
    "check": "check",
}


def add_constraint(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    name = _own_name(obj)
    if obj.parent is not None and obj.parent[0] == "table":
        table = side.table(_table_of(obj))
        found = next((c for c in table.constraints if c.name == name), None)
        if isinstance(found, sa.PrimaryKeyConstraint):
            return [render(ops.CreatePrimaryKeyOp.from_constraint(found))]
        if isinstance(found, sa.UniqueConstraint | sa.ForeignKeyConstraint | sa.CheckConstraint):
            return [render(ops.AddConstraintOp.from_constraint(found))]
    return [Sql(f"{_alter(side, obj)} ADD CONSTRAINT {side.quote(name)} {obj.attrs['definition']}")]


def _alter(side: Side, constraint: DbObject) -> str:
    """`ALTER TABLE t` or `ALTER DOMAIN d`: what a constraint belongs to."""
    keyword = "DOMAIN" if constraint.parent and constraint.parent[0] == "domain" else "TABLE"
    return f"ALTER {keyword} {side.quote(_table_of(constraint))}"


def drop_constraint(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    if obj.parent is not None and obj.parent[0] == "domain":
        return [Sql(f"{_alter(side, obj)} DROP CONSTRAINT {side.quote(_own_name(obj))}")]
    schema, table = split(_table_of(obj))
    kind = _TYPES.get(obj.attrs.get("type", ""))
    return [render(ops.DropConstraintOp(conv(_own_name(obj)), table, kind, schema=schema))]


def rename_constraint(side: Side, obj: DbObject, new: str) -> list[Statement]:
    old = side.quote(_own_name(obj))
    return [Sql(f"{_alter(side, obj)} RENAME CONSTRAINT {old} TO {side.quote(new)}")]


# --- indexes ----------------------------------------------------------------------------------


def create_index(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    _schema, name = split(obj.name)
    table = side.table(obj.attrs["table"])
    found = next((i for i in table.indexes if i.name == name), None)
    if found is not None and _plain_index(found):
        return [render(ops.CreateIndexOp.from_index(found))]
    definition = side.value("SELECT pg_get_indexdef(to_regclass(%s))", side.quote(obj.name))
    return [Sql(definition)]


def _plain_index(index: sa.Index) -> bool:
    """Columns only (no expression, no ordering, no predicate): what op.create_index renders
    without literal SQL fragments; anything else is written as the catalog's own CREATE INDEX."""
    options = index.dialect_options["postgresql"]
    return all(isinstance(e, sa.Column) for e in index.expressions) and not options.get("where")


def drop_index(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    schema, name = split(obj.name)
    _table_schema, table = split(obj.attrs["table"])
    return [render(ops.DropIndexOp(conv(name), table, schema=schema))]


def rename(side: Side, kind: str, obj: DbObject, new: str) -> list[Statement]:
    return [Sql(f"ALTER {kind} {side.quote(obj.name)} RENAME TO {side.quote(new)}")]


# --- objects written as SQL -------------------------------------------------------------------


def create_schema(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    return [Sql(f"CREATE SCHEMA {side.quote(obj.name)}")]


def drop_schema(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    return [Sql(f"DROP SCHEMA {side.quote(obj.name)}")]


def create_extension(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    return [
        Sql(
            f"CREATE EXTENSION IF NOT EXISTS {side.quote(obj.name)} "
            f"WITH SCHEMA {side.quote(obj.attrs['schema'])}"
        )
    ]


def drop_extension(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    return [Sql(f"DROP EXTENSION {side.quote(obj.name)}")]


def create_enum(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    labels = ", ".join(literal(label) for label in obj.attrs["labels"])
    return [Sql(f"CREATE TYPE {side.quote(obj.name)} AS ENUM ({labels})")]


def drop_type(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    keyword = "DOMAIN" if obj.kind == "domain" else "TYPE"
    return [Sql(f"DROP {keyword} {side.quote(obj.name)}")]


def alter_enum(side: Side, other: Side, obj: DbObject) -> list[Statement]:
    """Labels as on `side`: added in place when only added (ALTER TYPE ... ADD VALUE, outside
    the transaction: a new label cannot be used in the transaction that adds it), else the
    type is recreated and every column of that type converted through text."""
    wanted: list[str] = obj.attrs["labels"]
    current: list[str] = (other.snapshot.get("enum", obj.name) or obj).attrs["labels"]
    name = side.quote(obj.name)
    if [label for label in wanted if label in current] == current:
        statements: list[Statement] = []
        for index, label in enumerate(wanted):
            if label in current:
                continue
            place = (
                f" BEFORE {literal(wanted[index + 1])}"
                if index + 1 < len(wanted) and wanted[index + 1] in current
                else f" AFTER {literal(wanted[index - 1])}"
                if index
                else ""
            )
            statements.append(
                Sql(
                    f"ALTER TYPE {name} ADD VALUE IF NOT EXISTS {literal(label)}{place}",
                    autocommit=True,
                )
            )
            current = [*current[:index], label, *current[index:]]
        return statements
    schema, _, bare = obj.name.partition(".")
    old = side.quote(f"{schema}.{bare}_old")
    users = [
        c
        for c in other.snapshot.of_kind("column")
        if c.attrs.get("type") == obj.name and c.parent is not None
    ]
    statements = [
        Sql(f"ALTER TYPE {name} RENAME TO {side.quote(bare + '_old')}"),
        *create_enum(side, obj, Renderer()),
    ]
    for column in users:
        assert column.parent is not None
        column_name = side.quote(column.name.rsplit(".", 1)[1])
        statements.append(
            Sql(
                f"ALTER TABLE {side.quote(column.parent[1])} ALTER COLUMN {column_name} "
                f"TYPE {name} USING {column_name}::text::{name}"
            )
        )
    statements.append(Sql(f"DROP TYPE {old}"))
    return statements


def create_domain(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    a = obj.attrs
    sql = f"CREATE DOMAIN {side.quote(obj.name)} AS {a['type']}"
    if a.get("collation"):
        sql += f' COLLATE "{a["collation"]}"'
    if a.get("default"):
        sql += f" DEFAULT {a['default']}"
    if not a.get("nullable", True):
        sql += " NOT NULL"
    statements: list[Statement] = [Sql(sql)]
    for constraint in side.snapshot.of_kind("constraint"):
        if constraint.parent == ("domain", obj.name):
            statements += add_constraint(side, constraint, render)
    return statements


def create_composite(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    attributes = ", ".join(obj.attrs["attributes"])
    return [Sql(f"CREATE TYPE {side.quote(obj.name)} AS ({attributes})")]


def create_range(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    options = [f"SUBTYPE = {obj.attrs['subtype']}"]
    if side.connection is not None:  # what the snapshot does not keep, from the catalog
        row = side.connection.execute(_RANGE_OPTIONS, (side.quote(obj.name),)).fetchone()
        if row is not None:
            collation, subtype_diff = row
            if collation:
                options.append(f"COLLATION = {collation}")
            if subtype_diff:
                options.append(f"SUBTYPE_DIFF = {subtype_diff}")
    return [Sql(f"CREATE TYPE {side.quote(obj.name)} AS RANGE ({', '.join(options)})")]


# A range type's collation (when not its subtype's) and subtype_diff function, qualified.
_RANGE_OPTIONS = """
SELECT CASE WHEN r.rngcollation <> st.typcollation
            THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END,
       CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END
FROM pg_range r
JOIN pg_type st ON st.oid = r.rngsubtype
LEFT JOIN pg_collation co ON co.oid = r.rngcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE r.rngtypid = to_regtype(%s)
"""


def made_by_type(side: Side, obj: DbObject) -> bool:
    """A function PostgreSQL creates and drops with a type (a range type's constructors)."""
    if obj.kind != "function" or side.connection is None:
        return False
    return bool(
        side.value(
            "SELECT EXISTS (SELECT FROM pg_depend WHERE classid = 'pg_proc'::regclass"
            " AND objid = to_regprocedure(%s) AND refclassid = 'pg_type'::regclass"
            " AND deptype = 'i')",
            _signature(side, obj),
        )
    )


def create_sequence(side: Side, obj: DbObject, render: Renderer | None = None) -> list[Statement]:
    statements: list[Statement] = [
        Sql(f"CREATE SEQUENCE {side.quote(obj.name)} {_sequence_options(obj)}".rstrip())
    ]
    if obj.attrs.get("owned_by"):
        statements.append(
            Sql(f"ALTER SEQUENCE {side.quote(obj.name)} OWNED BY {_owned(side, obj)}")
        )
    return statements


def alter_sequence(side: Side, obj: DbObject) -> list[Statement]:
    owned = _owned(side, obj) if obj.attrs.get("owned_by") else "NONE"
    cycle = "" if obj.attrs["cycle"] else " NO CYCLE"
    options = _sequence_options(obj, full=True)
    return [Sql(f"ALTER SEQUENCE {side.quote(obj.name)} {options}{cycle} OWNED BY {owned}")]


_TYPE_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


def _sequence_options(obj: DbObject, full: bool = False) -> str:
    """The options that differ from what PostgreSQL picks by default (all when `full`:
    ALTER SEQUENCE keeps what it is not told)."""
    a = obj.attrs
    ascending = a["increment"] > 0
    low, high = (1, _TYPE_MAX.get(a["type"])) if ascending else (None, -1)
    options = [
        (a["type"] != "bigint", f"AS {a['type']}"),
        (a["increment"] != 1, f"INCREMENT BY {a['increment']}"),
        (a["min"] != low and ascending, f"MINVALUE {a['min']}"),
        (a["max"] != high, f"MAXVALUE {a['max']}"),
        (a["start"] != (a["min"] if ascending else a["max"]), f"START WITH {a['start']}"),
        (a["cache"] != 1, f"CACHE {a['cache']}"),
        (a["cycle"], "CYCLE"),
    ]
    return " ".join(text for wanted, text in options if wanted or (full and text != "CYCLE"))


def drop_sequence(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    return [Sql(f"DROP SEQUENCE {side.quote(obj.name)}")]


def create_view(
    side: Side, obj: DbObject, render: Renderer, replace: bool = False
) -> list[Statement]:
    materialized = obj.kind == "materialized view"
    definition = side.value("SELECT pg_get_viewdef(to_regclass(%s), true)", side.quote(obj.name))
    keyword = "MATERIALIZED VIEW" if materialized else "OR REPLACE VIEW" if replace else "VIEW"
    body = definition.rstrip().rstrip(";")
    return [Sql(f"CREATE {keyword} {side.quote(obj.name)} AS\n{body}")]


def drop_view(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    keyword = "MATERIALIZED VIEW" if obj.kind == "materialized view" else "VIEW"
    return [Sql(f"DROP {keyword} {side.quote(obj.name)}")]


def _signature(side: Side, obj: DbObject) -> str:
    name, _, arguments = obj.name.partition("(")
    return f"{side.quote(name)}({arguments}"


def create_function(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    if obj.kind == "aggregate":
        raise Unsupported(f"aggregate {obj.name}: write CREATE AGGREGATE by hand")
    source = side.value("SELECT pg_get_functiondef(to_regprocedure(%s))", _signature(side, obj))
    return [Sql(source.rstrip("\n"), exact=True)]


def drop_function(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    keyword = obj.kind.upper()
    return [Sql(f"DROP {keyword} {_signature(side, obj)}")]


def create_trigger(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    statements: list[Statement] = [Sql(obj.attrs["definition"])]
    status = obj.attrs.get("status")
    if status != "enabled":
        action = {"disabled": "DISABLE", "replica": "ENABLE REPLICA", "always": "ENABLE ALWAYS"}
        statements.append(
            Sql(
                f"ALTER TABLE {side.quote(_table_of(obj))} {action[status]} TRIGGER "
                f"{side.quote(_own_name(obj))}"
            )
        )
    return statements


def drop_trigger(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    return [Sql(f"DROP TRIGGER {side.quote(_own_name(obj))} ON {side.quote(_table_of(obj))}")]


def create_policy(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    a = obj.attrs
    sql = (
        f"CREATE POLICY {side.quote(_own_name(obj))} ON {side.quote(_table_of(obj))} "
        f"AS {'PERMISSIVE' if a['permissive'] else 'RESTRICTIVE'} FOR {a['command']} "
        f"TO {', '.join(a['roles'])}"
    )
    if a.get("using"):
        sql += f" USING ({a['using']})"
    if a.get("with_check"):
        sql += f" WITH CHECK ({a['with_check']})"
    return [Sql(sql)]


def drop_policy(side: Side, obj: DbObject, render: Renderer) -> list[Statement]:
    return [Sql(f"DROP POLICY {side.quote(_own_name(obj))} ON {side.quote(_table_of(obj))}")]


def identity_sequence(side: Side, sequence: DbObject) -> bool:
    """A sequence behind an identity column: the column creates and drops it."""
    owned_by = sequence.attrs.get("owned_by")
    column = side.snapshot.get("column", owned_by) if owned_by else None
    return column is not None and column.attrs.get("identity") is not None


# --- comments ---------------------------------------------------------------------------------

_COMMENT_KEYWORDS = {
    "materialized view": "MATERIALIZED VIEW",
    "composite type": "TYPE",
    "range type": "TYPE",
    "enum": "TYPE",
}


def comment(side: Side, obj: DbObject) -> Statement:
    """COMMENT ON the object, as `obj` has it (NULL: none)."""
    text = obj.attrs.get("comment")
    value = literal(text) if text is not None else "NULL"
    keyword = _COMMENT_KEYWORDS.get(obj.kind, obj.kind.upper())
    if obj.kind in ("trigger", "constraint", "policy"):
        target = f"{side.quote(_own_name(obj))} ON {side.quote(_table_of(obj))}"
    elif obj.kind == "column":
        table, column = obj.name.rsplit(".", 1)
        target = f"{side.quote(table)}.{side.quote(column)}"
    elif obj.kind in ("function", "procedure", "aggregate"):
        target = _signature(side, obj)
    else:
        target = side.quote(obj.name)
    return Sql(f"COMMENT ON {keyword} {target} IS {value}")
