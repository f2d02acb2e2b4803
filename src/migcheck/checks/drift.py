"""Models against migrations: what `alembic check` would report, as findings.

The comparison runs inside env.py's own run, at the replayed head, through Alembic's
`compare_metadata` on the live MigrationContext, so env.py's target_metadata and every
autogenerate setting it passes to configure() (include_object, include_name, include_schemas,
compare_type, compare_server_default, plugins) apply exactly as `alembic check` applies them.
A project without target_metadata has nothing to compare and gets no finding.

Where findings point: a difference is not the fault of one revision (it is a migration that is
missing, or a model that is stale), so findings carry no revision, which also keeps their
baseline fingerprint stable as revisions are added. Objects the models define point at their
mapped class (the attribute's line when it can be found); objects only the database has point at
env.py's target_metadata line, where include_object would exclude them.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Constraint, Enum, ForeignKeyConstraint, Index, MetaData, Table, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import mapperlib
from sqlalchemy.orm.exc import UnmappedColumnError

from migcheck.model import Finding, Location, Severity
from migcheck.replay.session import Director
from migcheck.rules import Rule, register

CHECK = "models"

MODEL_TABLE_NOT_MIGRATED = register(
    Rule(
        code="MC501",
        name="model-table-not-migrated",
        severity=Severity.ERROR,
        summary="A model table that no migration creates",
        why="The application queries a table that a database built from the migrations lacks.",
        bad="class Color(Base): __tablename__ = 'colors'  # no create_table('colors')",
        good="a revision with op.create_table('colors', ...)",
        fix="write the migration (`alembic revision --autogenerate`) or remove the model",
    )
)
TABLE_NOT_IN_MODELS = register(
    Rule(
        code="MC502",
        name="table-not-in-models",
        severity=Severity.WARNING,
        summary="A table the migrations create that no model defines",
        why="`alembic revision --autogenerate` will propose dropping it.",
        bad="op.create_table('legacy_imports', ...) with no model for it",
        good="a model for the table, or include_object in env.py excluding it",
        fix="add the model, drop the table in a migration, or exclude it with include_object",
    )
)
MODEL_COLUMN_NOT_MIGRATED = register(
    Rule(
        code="MC503",
        name="model-column-not-migrated",
        severity=Severity.ERROR,
        summary="A model column that no migration adds",
        why="Every INSERT and SELECT the ORM issues for the model names the missing column.",
        bad="position: Mapped[int] on the model, no op.add_column(..., 'position')",
        good="a revision with op.add_column('colors', sa.Column('position', sa.Integer()))",
        fix="write the migration that adds the column (`alembic revision --autogenerate`)",
    )
)
COLUMN_NOT_IN_MODELS = register(
    Rule(
        code="MC504",
        name="column-not-in-models",
        severity=Severity.WARNING,
        summary="A column the migrations add that the model lacks",
        why="A NOT NULL column without default breaks the ORM's inserts; autogenerate drops it.",
        bad="op.add_column('colors', sa.Column('hex', sa.Text())) with no model attribute",
        good="the attribute on the model",
        fix="add the attribute to the model or drop the column in a migration",
    )
)
COLUMN_TYPE_DIFFERS = register(
    Rule(
        code="MC505",
        name="column-type-differs",
        severity=Severity.ERROR,
        summary="A column whose type differs between the models and the migrations",
        why="Values the application writes may not fit, or compare differently, in the database.",
        bad="sa.String(20) in the migration, Text in the model",
        good="the same type on both sides",
        fix="alter the column in a migration, or correct the model's type",
    )
)
COLUMN_NULLABILITY_DIFFERS = register(
    Rule(
        code="MC506",
        name="column-nullability-differs",
        severity=Severity.ERROR,
        summary="A column that is NOT NULL on one side and nullable on the other",
        why="The application writes NULLs the database refuses, or relies on a guarantee it lacks.",
        bad="nullable=True in the migration, Mapped[str] (NOT NULL) in the model",
        good="the same nullability on both sides",
        fix="alter the column's nullability in a migration, or correct the model",
    )
)
COLUMN_DEFAULT_DIFFERS = register(
    Rule(
        code="MC507",
        name="column-default-differs",
        severity=Severity.WARNING,
        summary="A column whose server default differs between the models and the migrations",
        why="Rows inserted outside the ORM get a value the models do not expect.",
        bad="server_default='0' in the migration, server_default='1' in the model",
        good="the same server default on both sides",
        fix="alter the default in a migration, or correct the model's server_default",
    )
)
INDEX_DIFFERS = register(
    Rule(
        code="MC508",
        name="index-differs",
        severity=Severity.WARNING,
        summary="An index that only the models or only the migrations define",
        why="Queries the index was meant for scan the table, or writes maintain an unknown index.",
        bad="index=True on the model, no op.create_index",
        good="op.create_index with the name the models' naming convention gives",
        fix="create or drop the index in a migration, or correct the model",
    )
)
CONSTRAINT_DIFFERS = register(
    Rule(
        code="MC509",
        name="constraint-differs",
        severity=Severity.WARNING,
        summary="A unique or foreign-key constraint that only one side defines",
        why="The database accepts data the models forbid, or refuses data the models allow.",
        bad="unique=True on the model, no unique constraint in any migration",
        good="the same constraints on both sides",
        fix="add or drop the constraint in a migration, or correct the model",
    )
)
COMMENT_DIFFERS = register(
    Rule(
        code="MC510",
        name="comment-differs",
        severity=Severity.INFO,
        summary="A table or column comment that differs between the models and the migrations",
        why="`alembic revision --autogenerate` keeps proposing the comment change.",
        bad="comment='hex code' on the model column, no comment in any migration",
        good="op.alter_column(..., comment='hex code') in a revision",
        fix="set the comment in a migration, or correct the model",
    )
)
MODEL_DIFFERENCE = register(
    Rule(
        code="MC511",
        name="model-difference",
        severity=Severity.WARNING,
        summary="Another difference `alembic check` reports (e.g. from an autogenerate plugin)",
        why="`alembic check` fails on it, and autogenerate proposes an operation for it.",
        bad="a view registered with alembic_utils in the models, created by no migration",
        good="a revision performing the operation autogenerate proposes",
        fix="run `alembic revision --autogenerate` to see the operation it proposes",
    )
)
ENUM_LABELS_DIFFER = register(
    Rule(
        code="MC512",
        name="enum-labels-differ",
        severity=Severity.ERROR,
        summary="An enum type whose labels differ between the models and the migrations",
        why=(
            "`alembic check` does not compare enum labels, and autogenerate never adds one: "
            "the application then writes a value the migrated database rejects."
        ),
        bad="class State(enum.Enum): RUNNING, WAITING (new)  /  no ALTER TYPE ... ADD VALUE",
        good="op.execute(\"ALTER TYPE state ADD VALUE 'WAITING'\") in a migration",
        fix="add (or rename) the label in a migration with ALTER TYPE, or correct the model",
    )
)

_INDEXES_AND_CONSTRAINTS = (
    "add_index",
    "remove_index",
    "add_constraint",
    "remove_constraint",
    "add_fk",
    "remove_fk",
)
# Differences where one side has an object the other lacks: op -> (rule, verb for "models").
_ONE_SIDED = {
    "add_table": (MODEL_TABLE_NOT_MIGRATED, "creates"),
    "remove_table": (TABLE_NOT_IN_MODELS, ""),
    "add_column": (MODEL_COLUMN_NOT_MIGRATED, "adds"),
    "remove_column": (COLUMN_NOT_IN_MODELS, ""),
    "add_index": (INDEX_DIFFERS, "creates"),
    "remove_index": (INDEX_DIFFERS, ""),
    "add_constraint": (CONSTRAINT_DIFFERS, "creates"),
    "remove_constraint": (CONSTRAINT_DIFFERS, ""),
    "add_fk": (CONSTRAINT_DIFFERS, "creates"),
    "remove_fk": (CONSTRAINT_DIFFERS, ""),
}


def check_model_drift(director: Director) -> list[Finding]:
    """Compare env.py's target_metadata with the database at the current (replayed) head.

    Leaves the connection as it found it: the comparison runs in a transaction (or savepoint)
    that is rolled back, and its queries are not attributed to any step.
    """
    context = director.context
    assert context is not None
    metadata = context.opts.get("target_metadata")
    if metadata is None:
        return []
    connection = director.connection
    own_transaction = not connection.in_transaction()
    places = _Places(director)
    with director.paused():
        try:
            with _as_models_name_it(context, _metadatas(metadata)) as comparable:
                diffs = compare_metadata(context, metadata) if comparable else []
            differences = list(_flatten(diffs))
            whole_tables = {
                (d[1].schema, d[1].name)
                for d in differences
                if d[0] in ("add_table", "remove_table")
            }
            enums = (
                _enum_labels(connection, _metadatas(metadata), whole_tables, places)
                if comparable
                else []
            )
        finally:
            if own_transaction and connection.in_transaction():
                connection.rollback()
    findings = [_finding(d, places) for d in differences if _table_of(d) not in whole_tables]
    return findings + enums


def _enum_labels(
    connection: Any,
    metadatas: list[MetaData],
    skipped: set[tuple[str | None, str]],
    places: _Places,
) -> list[Finding]:
    """Native enum types of model columns whose labels the database spells otherwise (a type
    the database lacks is left to the column comparison)."""
    seen: dict[tuple[str | None, str], tuple[list[str], Where]] = {}
    for metadata in metadatas:
        for table in metadata.tables.values():
            if (table.schema, table.name) in skipped:
                continue
            for column in table.columns:
                kind = column.type
                if isinstance(kind, Enum) and kind.native_enum and kind.name:
                    key = (kind.schema or table.schema, kind.name)
                    seen.setdefault(
                        key, (list(kind.enums), (table.schema, table.name, column.name))
                    )
    if not seen:
        return []
    rows = connection.execute(_ENUM_LABELS).all()
    default_schema = rows[0][0] if rows else None
    in_database = {(schema, name): list(labels) for _, schema, name, labels in rows}
    findings = []
    for (schema, name), (labels, where) in sorted(seen.items(), key=lambda i: str(i[0])):
        actual = in_database.get((schema or default_schema, name))
        if not actual or actual == labels:
            continue
        missing = [label for label in labels if label not in actual]
        extra = [label for label in actual if label not in labels]
        parts = [
            f"{', '.join(missing)} missing" if missing else "",
            f"{', '.join(extra)} not in the models" if extra else "",
        ]
        detail = "; ".join(p for p in parts if p) or "labels in another order"
        subject = f"enum {_qualified(schema, name)}"
        findings.append(
            Finding(
                code=ENUM_LABELS_DIFFER.code,
                severity=ENUM_LABELS_DIFFER.severity,
                message=f"{subject} has labels {actual} in the database but {labels} in "
                f"the models ({detail})",
                location=places.of(where),
                hint=ENUM_LABELS_DIFFER.fix,
                check=CHECK,
                subject=subject,
            )
        )
    return findings


# Every enum's labels in order; each row also says which schema an unqualified name means.
_ENUM_LABELS = text(
    "SELECT current_schema(), n.nspname, t.typname,"
    " ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid"
    " ORDER BY e.enumsortorder)"
    " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e'"
)


@contextmanager
def _as_models_name_it(context: MigrationContext, metadatas: list[MetaData]) -> Iterator[bool]:
    """Show autogenerate the database under the schema names the models use.

    Multi-tenant projects model tenant tables in a placeholder schema ("tenant") that env.py
    maps to the real one with schema_translate_map; autogenerate ignores that map and would
    report every table as missing. So, inside a savepoint that is rolled back, each translated
    schema the models name by its placeholder is renamed to that placeholder (an env.py that
    hands Alembic models already translated to the real schema, as autogenerate needs, gets
    no rename), and only the schemas the models use are reflected (other tenants' schemas are
    not this tenant's business). Yields False when the map cannot be mirrored (a placeholder
    schema exists for real, or the default schema is translated): no comparison then beats a
    comparison full of false differences.
    """
    connection = context.connection
    assert connection is not None
    translate = connection.get_execution_options().get("schema_translate_map") or {}
    if all(placeholder == real for placeholder, real in translate.items()):
        yield True
        return
    modelled = {t.schema for m in metadatas for t in m.tables.values()}
    renames = {p: real for p, real in translate.items() if p != real and p in modelled}
    existing = {row[0] for row in connection.exec_driver_sql("SELECT nspname FROM pg_namespace")}
    if None in renames or any(placeholder in existing for placeholder in renames):
        yield False
        return
    quote = connection.dialect.identifier_preparer.quote
    savepoint = connection.begin_nested()
    try:
        for placeholder, real in renames.items():
            if real in existing:
                connection.exec_driver_sql(
                    f"ALTER SCHEMA {quote(real)} RENAME TO {quote(placeholder)}"
                )
        placeholders = {real: placeholder for placeholder, real in renames.items()}
        version_schema = placeholders.get(
            context.version_table_schema, context.version_table_schema
        )
        include_name = context.opts.get("include_name")

        def tenant_names(name: str | None, type_: str, parents: dict[str, Any]) -> bool:
            if type_ == "schema" and name not in modelled:
                return False
            version = (parents.get("schema_name"), name)
            if type_ == "table" and version == (version_schema, context.version_table):
                return False
            return include_name is None or include_name(name, type_, parents)

        saved = {key: context.opts.get(key) for key in ("include_schemas", "include_name")}
        context.opts.update(include_schemas=True, include_name=tenant_names)
        connection.execution_options(schema_translate_map=None)  # reflection translates too
        try:
            yield True
        finally:
            connection.execution_options(schema_translate_map=translate)
            context.opts.update(saved)
    finally:
        savepoint.rollback()


def _metadatas(metadata: MetaData | list[MetaData] | tuple[MetaData, ...]) -> list[MetaData]:
    """target_metadata may be one MetaData or a sequence of them."""
    return list(metadata) if isinstance(metadata, (list, tuple)) else [metadata]


def _flatten(diffs: list[Any]) -> Iterator[tuple[Any, ...]]:
    """compare_metadata groups a column's modify_* tuples in a list; yield one per difference."""
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _table_of(diff: tuple[Any, ...]) -> tuple[str | None, str] | None:
    """The table an index or constraint difference hangs off, if the difference is one."""
    if diff[0] not in _INDEXES_AND_CONSTRAINTS or diff[1].table is None:
        return None
    return (diff[1].table.schema, diff[1].table.name)


def _finding(diff: tuple[Any, ...], places: _Places) -> Finding:
    op = diff[0]
    if op in _ONE_SIDED:
        rule, verb = _ONE_SIDED[op]
        subject, detail, where = _one_sided(diff)
        if verb:
            message = f"model {subject}{detail} has no migration that {verb} it"
        else:
            message = f"{subject}{detail} exists in the database but not in the models"
    elif op in _CHANGES:
        rule, verb, render = _CHANGES[op]
        subject, in_database, in_models, where = _changed(diff)
        message = (
            f"{subject} {verb} {render(in_database)} in the database "
            f"but {render(in_models)} in the models"
        )
    else:  # an operation of an autogenerate plugin
        rule, subject, where = MODEL_DIFFERENCE, f"{op} {_short(diff[1:])}", None
        message = f"autogenerate reports {subject}"
    return Finding(
        code=rule.code,
        severity=rule.severity,
        message=message,
        location=places.of(where),
        hint=rule.fix,
        check=CHECK,
        subject=subject,
        details={"operation": op},
    )


# (schema, table, column or None): the model object a finding about it points at.
Where = tuple[str | None, str, str | None]


def _one_sided(diff: tuple[Any, ...]) -> tuple[str, str, Where]:
    """Subject ("column s.t.c"), detail shown after it, and where the model defines it."""
    op = diff[0]
    if op.endswith("_table"):
        table: Table = diff[1]
        return f"table {_qualified(table.schema, table.name)}", "", (table.schema, table.name, None)
    if op.endswith("_column"):
        _, schema, table_name, column = diff
        subject = f"column {_qualified(schema, table_name, column.name)}"
        return subject, "", (schema, table_name, column.name)
    item: Index | Constraint = diff[1]
    table = item.table
    on = _qualified(table.schema, table.name)
    if isinstance(item, Index):
        columns = ", ".join(str(getattr(e, "name", e)) for e in item.expressions)
        subject = f"index {item.name} on {on}"
    else:
        columns = ", ".join(c.name for c in item.columns)
        if isinstance(item, ForeignKeyConstraint):
            columns += " -> " + ", ".join(e.target_fullname for e in item.elements)
        kind = "foreign key" if isinstance(item, ForeignKeyConstraint) else "unique constraint"
        subject = f"{kind} {item.name} on {on}" if item.name else f"{kind} on {on}"
    return subject, f" ({columns})", (table.schema, table.name, None)


def _changed(diff: tuple[Any, ...]) -> tuple[str, Any, Any, Where]:
    """Subject, the database's value, the models' value, and where the model defines it."""
    op = diff[0]
    if op in ("add_table_comment", "remove_table_comment"):
        table = diff[1]
        # add_table_comment carries the database's comment; remove_ only says there is one.
        in_database = diff[2] if op == "add_table_comment" else True
        subject = f"table {_qualified(table.schema, table.name)}"
        return subject, in_database, table.comment, (table.schema, table.name, None)
    _, schema, table_name, column_name, _existing, in_database, in_models = diff
    subject = f"column {_qualified(schema, table_name, column_name)}"
    return subject, in_database, in_models, (schema, table_name, column_name)


def _type(value: Any) -> str:
    try:
        return str(value.compile(dialect=postgresql.dialect()))
    except Exception:  # a type the dialect cannot render: show what SQLAlchemy calls it
        return repr(value)


def _nullability(value: Any) -> str:
    return "nullable" if value else "NOT NULL"


def _default(value: Any) -> str:
    if value is None or value is False:
        return "no server default"
    text = getattr(value, "arg", value)
    if isinstance(text, str):  # the model's server_default="x" is the literal 'x'
        return "server default '" + text.replace("'", "''") + "'"
    return f"server default {getattr(text, 'text', text)}"


def _comment(value: Any) -> str:
    if value is True:  # remove_table_comment only says the database has one
        return "a comment"
    return f"comment {value!r}" if value else "no comment"


# Differences in one attribute: op -> (rule, verb, how a side's value reads).
_CHANGES: dict[str, tuple[Rule, str, Callable[[Any], str]]] = {
    "modify_type": (COLUMN_TYPE_DIFFERS, "is", _type),
    "modify_nullable": (COLUMN_NULLABILITY_DIFFERS, "is", _nullability),
    "modify_default": (COLUMN_DEFAULT_DIFFERS, "has", _default),
    "modify_comment": (COMMENT_DIFFERS, "has", _comment),
    "add_table_comment": (COMMENT_DIFFERS, "has", _comment),
    "remove_table_comment": (COMMENT_DIFFERS, "has", _comment),
}


def _qualified(*parts: str | None) -> str:
    return ".".join(p for p in parts if p)


def _short(value: Any, limit: int = 160) -> str:
    """One line of repr, without memory addresses (the subject must survive runs)."""
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", " ".join(repr(value).split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Places:
    """Where findings point: the mapped class defining a model object, else env.py."""

    def __init__(self, director: Director) -> None:
        assert director.context is not None
        self.files = director.project.files
        self.metadatas = _metadatas(director.context.opts["target_metadata"])
        self.env = Location(path=self.files.relative(self.files.env_py), line=self._env_line())

    def of(self, where: Where | None) -> Location:
        """The class (and attribute line) defining the model object, else env.py."""
        if where is None:
            return self.env
        schema, name, column = where
        key = f"{schema}.{name}" if schema else name
        table = next((m.tables[key] for m in self.metadatas if key in m.tables), None)
        cls = _mapped_class(table) if table is not None else None
        if table is None or cls is None:
            return self.env
        try:
            path = inspect.getsourcefile(cls)
            lines, line = inspect.getsourcelines(cls)
        except (OSError, TypeError):  # defined in a REPL or a compiled module
            return self.env
        if path is None:
            return self.env
        if column is not None and column in table.c:
            attribute = re.escape(_attribute(cls, table.c[column]))
            pattern = re.compile(rf"^\s*{attribute}\s*[:=]")
            line += next((n for n, text in enumerate(lines) if pattern.match(text)), 0)
        return Location(path=self.files.relative(path), line=line)

    def _env_line(self) -> int | None:
        """The line of env.py that assigns target_metadata (else the first that names it)."""
        try:
            lines = self.files.env_py.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        named = [n for n, text in enumerate(lines, 1) if "target_metadata" in text]
        assigned = [n for n in named if re.match(r"\s*target_metadata\s*=", lines[n - 1])]
        return (assigned or named or [None])[0]


def _mapped_class(table: Table) -> type | None:
    """The ORM class mapped to `table`, if any.

    SQLAlchemy has no public way from a Table to its class; its internal set of registries
    is used, and a SQLAlchemy without it only costs the finding its models.py line.
    """
    for registry in getattr(mapperlib, "_all_registries", set)():
        for mapper in registry.mappers:
            if table in mapper.tables:
                return mapper.class_
    return None


def _attribute(cls: type, column: Column[Any]) -> str:
    """The attribute name mapping `column` (it may differ from the column name)."""
    try:
        return sa_inspect(cls).get_property_by_column(column).key
    except UnmappedColumnError:
        return column.name
