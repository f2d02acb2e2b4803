"""Alembic `op.*` (and `batch_op.*`) calls → `Action`s, read from the AST without running them.

Arguments are read the way Alembic's signatures define them, positional or keyword; a value
that is not a literal (or a name bound to one) is "unknown", and rules then stay silent
rather than guess.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from migcheck.lint.coltypes import rewrites, type_string
from migcheck.lint.facts import Action, Kind, Site, TableName

UNKNOWN = object()  # a value lint cannot know without running the revision

# Where each op takes its table, positionally; batch_op.* calls leave that argument out.
TABLE_POSITION = {
    "add_column": 0,
    "drop_column": 0,
    "alter_column": 0,
    "create_index": 1,
    "drop_index": 1,
    "create_foreign_key": 1,
    "create_check_constraint": 1,
    "create_unique_constraint": 1,
    "drop_constraint": 1,
}

_NOT_NULL_CHECK = re.compile(r'^\s*\(?\s*"?(\w+)"?\s+IS\s+NOT\s+NULL\s*\)?\s*$', re.IGNORECASE)
_TEXT_TYPES = frozenset({"text", "unicodetext", "clob"})
_VARCHAR_TYPES = frozenset({"string", "varchar", "unicode", "nvarchar"})
_NUMERIC_TYPES = frozenset({"numeric", "decimal"})
_TYPE_NAMES = {
    "integer": "integer",
    "int": "integer",
    "biginteger": "bigint",
    "smallinteger": "smallint",
    "boolean": "boolean",
    "float": "double precision",
    "date": "date",
    "uuid": "uuid",
    "jsonb": "jsonb",
    "json": "json",
}
# Python callables whose result differs per run, with the owners that make the name volatile
# (None: volatile whatever the owner).
_PY_VOLATILE: dict[str, set[str] | None] = {
    "now": {"datetime", "func", "timezone"},
    "utcnow": None,
    "today": {"date", "datetime"},
    "uuid1": None,
    "uuid4": None,
    "random": {"random", "func"},
    "randint": {"random"},
    "time": {"time"},
}


def dotted(node: ast.expr) -> str:
    """`sa.func.now` for an attribute chain of names; "" for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


@dataclass
class OpCall:
    """One `op.<method>(...)` call with its arguments and a resolver for names."""

    method: str
    args: list[ast.expr]
    kwargs: dict[str, ast.expr]
    line: int
    site: Site
    resolve: Callable[[ast.expr], ast.expr]  # follows names to the expression bound to them

    def arg(self, index: int, keyword: str) -> ast.expr | None:
        if keyword in self.kwargs:
            return self.kwargs[keyword]
        return self.args[index] if index < len(self.args) else None

    def literal(self, node: ast.expr | None) -> Any:
        if node is None:
            return None
        node = self.resolve(node)
        if isinstance(node, ast.Constant):
            return node.value
        return UNKNOWN

    def table(self, index: int, keyword: str, schema_keyword: str = "schema") -> TableName | None:
        name = self.literal(self.arg(index, keyword))
        if not isinstance(name, str):
            return None
        schema = self.literal(self.kwargs.get(schema_keyword))
        return TableName(name, schema if isinstance(schema, str) else None)

    def flag(self, keyword: str) -> bool:
        return self.literal(self.kwargs.get(keyword)) is True

    def action(self, kind: Kind, **fields: Any) -> Action:
        return Action(kind=kind, line=self.line, site=self.site, verb=f"op.{self.method}", **fields)


def with_batch_table(call: OpCall, table: ast.expr, schema: ast.expr | None) -> OpCall:
    """A `batch_op.<method>` call rewritten as the `op.<method>` call it stands for."""
    position = TABLE_POSITION.get(call.method)
    if position is None:
        return call
    args = [*call.args[:position], table, *call.args[position:]]
    kwargs = dict(call.kwargs)
    if schema is not None:
        kwargs.setdefault("schema", schema)
    return OpCall(call.method, args, kwargs, call.line, call.site, call.resolve)


def translate(call: OpCall) -> Iterator[Action]:
    handler = _HANDLERS.get(call.method)
    if handler is not None:
        yield from handler(call)


def _create_table(call: OpCall) -> Iterator[Action]:
    yield call.action(Kind.CREATE_TABLE, table=call.table(0, "table_name"))


def _drop_table(call: OpCall) -> Iterator[Action]:
    yield call.action(Kind.DROP_TABLE, table=call.table(0, "table_name"))


def _rename_table(call: OpCall) -> Iterator[Action]:
    new = call.literal(call.arg(1, "new_table_name"))
    yield call.action(
        Kind.RENAME_TABLE,
        table=call.table(0, "old_table_name"),
        target=new if isinstance(new, str) else None,
    )


def _add_column(call: OpCall) -> Iterator[Action]:
    column = call.resolve(call.arg(1, "column") or ast.Constant(None))
    if not isinstance(column, ast.Call) or not dotted(column.func).endswith("Column"):
        return
    kwargs = {k.arg: k.value for k in column.keywords if k.arg}
    name = call.literal(column.args[0]) if column.args else None
    nullable = call.literal(kwargs.get("nullable"))
    primary = call.literal(kwargs.get("primary_key")) is True
    generated = any(
        isinstance(a, ast.Call) and dotted(a.func).split(".")[-1] in ("Identity", "Computed")
        for a in column.args
    )
    yield call.action(
        Kind.ADD_COLUMN,
        table=call.table(0, "table_name"),
        column=name if isinstance(name, str) else None,
        not_null=nullable is False or (primary and nullable is not True),
        has_default=generated or call.literal(kwargs.get("server_default")) is not None,
    )


def _drop_column(call: OpCall) -> Iterator[Action]:
    name = call.literal(call.arg(1, "column_name"))
    yield call.action(
        Kind.DROP_COLUMN,
        table=call.table(0, "table_name"),
        column=name if isinstance(name, str) else None,
    )


def _alter_column(call: OpCall) -> Iterator[Action]:
    table = call.table(0, "table_name")
    name = call.literal(call.arg(1, "column_name"))
    column = name if isinstance(name, str) else None
    new_name = call.literal(call.kwargs.get("new_column_name"))
    if isinstance(new_name, str):
        yield call.action(Kind.RENAME_COLUMN, table=table, column=column, target=new_name)
    if call.literal(call.kwargs.get("nullable")) is False:
        yield call.action(Kind.SET_NOT_NULL, table=table, column=column)
    if "type_" in call.kwargs:
        new_type = sa_type(call.resolve(call.kwargs["type_"]))
        existing = call.kwargs.get("existing_type")
        old_type = sa_type(call.resolve(existing)) if existing is not None else None
        yield call.action(
            Kind.ALTER_TYPE,
            table=table,
            column=column,
            old_type=old_type,
            new_type=new_type,
            using="postgresql_using" in call.kwargs,
            rewrites="postgresql_using" in call.kwargs or rewrites(old_type, new_type),
        )


def _create_index(call: OpCall) -> Iterator[Action]:
    name = call.literal(call.arg(0, "index_name"))
    yield call.action(
        Kind.CREATE_INDEX,
        table=call.table(1, "table_name"),
        target=name if isinstance(name, str) else None,
        concurrently=call.flag("postgresql_concurrently"),
    )


def _drop_index(call: OpCall) -> Iterator[Action]:
    if call.flag("postgresql_concurrently"):
        yield call.action(Kind.NO_TRANSACTION, table=call.table(1, "table_name"))


def _create_foreign_key(call: OpCall) -> Iterator[Action]:
    name = call.literal(call.arg(0, "constraint_name"))
    yield call.action(
        Kind.ADD_FOREIGN_KEY,
        table=call.table(1, "source_table", "source_schema"),
        target=name if isinstance(name, str) else None,
        not_valid=call.flag("postgresql_not_valid"),
    )


def _create_check_constraint(call: OpCall) -> Iterator[Action]:
    name = call.literal(call.arg(0, "constraint_name"))
    condition = call.literal(call.arg(2, "condition"))
    match = _NOT_NULL_CHECK.match(condition) if isinstance(condition, str) else None
    yield call.action(
        Kind.ADD_CHECK,
        table=call.table(1, "table_name"),
        target=name if isinstance(name, str) else None,
        column=match.group(1) if match else None,
        not_valid=call.flag("postgresql_not_valid"),
    )


def _bulk_insert(call: OpCall) -> Iterator[Action]:
    rows = call.resolve(call.arg(1, "rows") or ast.Constant(None))
    values = [
        call.resolve(v)
        for row in (rows.elts if isinstance(rows, (ast.List, ast.Tuple)) else ())
        for v in (call.resolve(row).values if isinstance(call.resolve(row), ast.Dict) else ())
    ]
    yield call.action(
        Kind.INSERT,
        table=table_object(call.resolve(call.arg(0, "table") or ast.Constant(None)), call),
        literals=frozenset(
            str(v.value) for v in values if isinstance(v, ast.Constant) and v.value is not None
        ),
        volatile=tuple(sorted({n for v in values for n in _python_volatile(v)})),
    )


def table_object(node: ast.expr, call: OpCall) -> TableName | None:
    """The table of `sa.table("name", ..., schema=...)`, `sa.Table("name", metadata, ...)` or
    the `op.create_table(...)` that returned it."""
    kinds = ("table", "Table", "create_table")
    if not isinstance(node, ast.Call) or dotted(node.func).split(".")[-1] not in kinds:
        return None
    name = call.literal(node.args[0]) if node.args else None
    if not isinstance(name, str):
        return None
    schema = next((call.literal(k.value) for k in node.keywords if k.arg == "schema"), None)
    return TableName(name, schema if isinstance(schema, str) else None)


def _python_volatile(node: ast.expr) -> Iterator[str]:
    """Python calls that give another value on each run: datetime.now(), uuid.uuid4(), ..."""
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Call):
            continue
        name = dotted(sub.func)
        parts = name.split(".")
        if parts[-1] not in _PY_VOLATILE:
            continue
        owners = _PY_VOLATILE[parts[-1]]
        if owners is None or (len(parts) > 1 and parts[-2] in owners):
            yield f"{name}()"


def sa_type(node: ast.expr) -> str:
    """A SQLAlchemy type as a PostgreSQL type string: sa.String(20) → "varchar(20)"."""
    call = node if isinstance(node, ast.Call) else None
    name = dotted(call.func if call else node).split(".")[-1]
    if not name:
        return ast.unparse(node)
    key = name.lower()
    args = [a.value for a in (call.args if call else ()) if isinstance(a, ast.Constant)]
    kwargs = {k.arg: k.value for k in (call.keywords if call else ()) if k.arg}
    if key in _TEXT_TYPES:
        return "text"
    if key in _VARCHAR_TYPES:
        length = kwargs.get("length")
        size = length.value if isinstance(length, ast.Constant) else (args[0] if args else None)
        return type_string("varchar", [size] if isinstance(size, int) else [])
    if key in _NUMERIC_TYPES:
        mods = [a for a in args if isinstance(a, int)]
        for keyword in ("precision", "scale"):
            value = kwargs.get(keyword)
            if isinstance(value, ast.Constant) and isinstance(value.value, int):
                mods.append(value.value)
        return type_string("numeric", mods)
    if key == "datetime":
        timezone = kwargs.get("timezone")
        aware = isinstance(timezone, ast.Constant) and timezone.value is True
        return "timestamptz" if aware else "timestamp"
    return _TYPE_NAMES.get(key, key)


_HANDLERS: dict[str, Callable[[OpCall], Iterator[Action]]] = {
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "add_column": _add_column,
    "drop_column": _drop_column,
    "alter_column": _alter_column,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_foreign_key": _create_foreign_key,
    "create_check_constraint": _create_check_constraint,
    "bulk_insert": _bulk_insert,
}
