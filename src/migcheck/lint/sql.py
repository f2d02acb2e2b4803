"""SQL text → `SqlStatement`s and `Action`s, through pglast's JSON parse tree.

pglast's JSON output is used rather than its Python node objects: building the node objects
costs about seven times more, and lint has to stay well under a second for 500 revisions.
Bound parameters (`:name`, `%(name)s`, `%s`) are replaced by same-length `$1` placeholders,
and non-ASCII characters by `x` (libpg_query reports byte offsets), so that every offset in
the tree is an offset in the original text and line numbers stay exact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from pglast.parser import ParseError, parse_sql_json

from migcheck.lint.coltypes import rewrites, type_string
from migcheck.lint.facts import Action, Kind, Lookup, Site, SqlStatement, TableName

Node = dict[str, Any]

# What the gaps of an f-string or format() template become before parsing: a valid identifier.
PLACEHOLDER = "migcheck_dynamic"

_BIND = re.compile(r"(?<![:\w\\]):\w+(?!:)|%\(\w+\)s|%s")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})
_SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
_DEFAULTING = frozenset({"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"})
_NOT_NULL = frozenset({"CONSTR_NOTNULL", "CONSTR_PRIMARY"})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "||", "^"})
_TYPE_ALIASES = {
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "float8": "double precision",
    "float4": "real",
    "bool": "boolean",
    "bpchar": "char",
}
VOLATILE_FUNCTIONS = frozenset(
    {
        "now",
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "statement_timestamp",
        "transaction_timestamp",
        "timeofday",
    }
)


def parse(
    text: str, line: int | None, site: Site, *, dynamic: bool = False, in_file: bool = True
) -> list[SqlStatement]:
    """Parse one SQL string; `in_file` says its lines are the file's from `line` on."""
    prepared = _prepare(text)

    def line_at(offset: int) -> int | None:
        if line is None or not in_file:
            return line
        return line + prepared.count("\n", 0, offset)

    try:
        tree = json.loads(parse_sql_json(prepared))
    except ParseError as exc:
        message, offset = exc.args[0], exc.args[1]
        where = len(prepared.rstrip()) if offset is None else offset
        return [
            SqlStatement(
                text=text.strip(), line=line_at(where), site=site, dynamic=dynamic, error=message
            )
        ]
    statements = []
    for raw in tree["stmts"]:
        start = raw.get("stmt_location", 0)
        end = start + raw["stmt_len"] if raw.get("stmt_len") else len(text)
        chunk = text[start:end]
        stmt_text = chunk.strip()
        stmt_line = line_at(start + len(chunk) - len(chunk.lstrip()))
        node = raw["stmt"]
        statements.append(
            SqlStatement(
                text=stmt_text,
                line=stmt_line,
                site=site,
                dynamic=dynamic,
                schemas=frozenset(_schemas(node)) if "." in stmt_text else frozenset(),
                actions=tuple(_actions(node, stmt_line, site, stmt_text)),
            )
        )
    return statements


def transaction_control(statement: SqlStatement) -> bool | None:
    """True after BEGIN, False after COMMIT/ROLLBACK/END, None for other statements."""
    word = statement.text.split(None, 1)[0].upper().rstrip(";") if statement.text else ""
    if word in ("BEGIN", "START"):
        return True
    if word in ("COMMIT", "END", "ROLLBACK", "ABORT"):
        return False
    return None


def _prepare(text: str) -> str:
    if not text.isascii():
        text = _NON_ASCII.sub("x", text)
    return _BIND.sub(lambda m: "$1".ljust(len(m.group(0))), text)


# --- tree helpers -----------------------------------------------------------------------------


def _walk(obj: Any) -> Iterator[tuple[str, Node]]:
    """Every wrapped node `{"Type": {...}}` below obj, in no particular order."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if len(item) == 1:
                ((key, value),) = item.items()
                if key[:1].isupper() and isinstance(value, dict):
                    yield key, value
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _strings(items: list[Node] | None) -> list[str]:
    return [i["String"]["sval"] for i in items or () if "String" in i]


def _table(range_var: Node) -> TableName:
    schema = range_var.get("schemaname")
    return TableName(range_var["relname"], None if schema == PLACEHOLDER else schema)


def _qualified(names: list[str]) -> TableName:
    return TableName(names[-1], names[-2] if len(names) > 1 else None)


def _type_name(type_name: Node) -> str:
    base = _strings(type_name.get("names"))[-1]
    mods = [
        m["A_Const"]["ival"].get("ival", 0) for m in type_name.get("typmods", ()) if "A_Const" in m
    ]
    return type_string(_TYPE_ALIASES.get(base, base), mods)


def _column_refs(node: Any) -> set[str]:
    return {
        _strings(body["fields"])[-1]
        for kind, body in _walk(node)
        if kind == "ColumnRef" and _strings(body["fields"])
    }


def _constant(node: Node) -> str | None:
    if "TypeCast" in node:
        node = node["TypeCast"]["arg"]
    const = node.get("A_Const")
    if const is None:
        return None
    for key in ("sval", "ival", "fval", "boolval"):
        if key in const:
            return str(next(iter(const[key].values()), 0))
    return None


def _schemas(node: Node) -> Iterator[str]:
    """Schema names written out in a statement (system schemas left out)."""
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if "relname" in item and item.get("schemaname"):
            found: str | None = item["schemaname"]
        else:
            found = None
            for key in ("names", "typeName", "funcname"):
                parts = _strings(item.get(key)) if isinstance(item.get(key), list) else []
                if len(parts) > 1:
                    found = parts[0]
        if found and found not in _SYSTEM_SCHEMAS:
            yield found
        stack.extend(item.values())


# --- statements → actions ---------------------------------------------------------------------

Make = Callable[..., Action]


def _actions(node: Node, line: int | None, site: Site, sql: str) -> Iterator[Action]:
    ((kind, body),) = node.items()
    handler = _HANDLERS.get(kind)
    if handler is None:
        return

    def make(action_kind: Kind, verb: str, **fields: Any) -> Action:
        return Action(kind=action_kind, line=line, site=site, verb=verb, sql=sql, **fields)

    yield from handler(body, make)


def _create(body: Node, make: Make) -> Iterator[Action]:
    yield make(Kind.CREATE_TABLE, "CREATE TABLE", table=_table(body["relation"]))


def _create_as(body: Node, make: Make) -> Iterator[Action]:
    if body.get("objtype") == "OBJECT_TABLE":
        yield make(Kind.CREATE_TABLE, "CREATE TABLE AS", table=_table(body["into"]["rel"]))


def _drop(body: Node, make: Make) -> Iterator[Action]:
    remove = body.get("removeType")
    if remove == "OBJECT_TABLE":
        for names in body.get("objects", ()):
            yield make(
                Kind.DROP_TABLE, "DROP TABLE", table=_qualified(_strings(names["List"]["items"]))
            )
    elif remove == "OBJECT_INDEX" and body.get("concurrent"):
        yield make(Kind.NO_TRANSACTION, "DROP INDEX CONCURRENTLY")


def _rename(body: Node, make: Make) -> Iterator[Action]:
    rename = body.get("renameType")
    if rename == "OBJECT_TABLE":
        yield make(
            Kind.RENAME_TABLE,
            "ALTER TABLE RENAME",
            table=_table(body["relation"]),
            target=body["newname"],
        )
    elif rename == "OBJECT_COLUMN" and body.get("relationType") == "OBJECT_TABLE":
        yield make(
            Kind.RENAME_COLUMN,
            "ALTER TABLE RENAME COLUMN",
            table=_table(body["relation"]),
            column=body["subname"],
            target=body["newname"],
        )


def _alter_table(body: Node, make: Make) -> Iterator[Action]:
    if body.get("objtype") != "OBJECT_TABLE":
        return
    table = _table(body["relation"])
    for cmd in body.get("cmds", ()):
        command = cmd["AlterTableCmd"]
        yield from _alter_command(command, table, make)


def _alter_command(command: Node, table: TableName, make: Make) -> Iterator[Action]:
    subtype = command["subtype"]
    definition = command.get("def", {})
    if subtype == "AT_AddColumn":
        column = definition["ColumnDef"]
        types = {c["Constraint"]["contype"] for c in column.get("constraints", ())}
        base = _strings(column["typeName"].get("names"))[-1]
        yield make(
            Kind.ADD_COLUMN,
            "ADD COLUMN",
            table=table,
            column=column["colname"],
            not_null=bool(types & _NOT_NULL),
            has_default=bool(types & _DEFAULTING) or base in _SERIAL_TYPES,
        )
    elif subtype == "AT_DropColumn":
        yield make(Kind.DROP_COLUMN, "DROP COLUMN", table=table, column=command["name"])
    elif subtype == "AT_AlterColumnType":
        column = definition["ColumnDef"]
        new_type = _type_name(column["typeName"])
        yield make(
            Kind.ALTER_TYPE,
            "ALTER COLUMN TYPE",
            table=table,
            column=command["name"],
            new_type=new_type,
            using="raw_default" in column,
            rewrites="raw_default" in column or rewrites(None, new_type),
        )
    elif subtype == "AT_SetNotNull":
        yield make(Kind.SET_NOT_NULL, "SET NOT NULL", table=table, column=command["name"])
    elif subtype == "AT_AddConstraint":
        yield from _constraint(definition["Constraint"], table, make)
    elif subtype == "AT_DetachPartition" and definition.get("PartitionCmd", {}).get("concurrent"):
        yield make(Kind.NO_TRANSACTION, "DETACH PARTITION CONCURRENTLY", table=table)


def _constraint(constraint: Node, table: TableName, make: Make) -> Iterator[Action]:
    contype = constraint["contype"]
    common = {
        "table": table,
        "target": constraint.get("conname"),
        "not_valid": bool(constraint.get("skip_validation")),
    }
    if contype == "CONSTR_FOREIGN":
        yield make(Kind.ADD_FOREIGN_KEY, "ADD FOREIGN KEY", **common)
    elif contype == "CONSTR_CHECK":
        test = constraint.get("raw_expr", {}).get("NullTest", {})
        column = None
        if test.get("nulltesttype") == "IS_NOT_NULL":
            column = next(iter(_column_refs(test.get("arg"))), None)
        yield make(Kind.ADD_CHECK, "ADD CHECK", column=column, **common)


def _index(body: Node, make: Make) -> Iterator[Action]:
    concurrent = bool(body.get("concurrent"))
    yield make(
        Kind.CREATE_INDEX,
        "CREATE INDEX CONCURRENTLY" if concurrent else "CREATE INDEX",
        table=_table(body["relation"]),
        target=body.get("idxname"),
        concurrently=concurrent,
    )


def _reindex(body: Node, make: Make) -> Iterator[Action]:
    if any(p["DefElem"]["defname"] == "concurrently" for p in body.get("params", ())):
        yield make(Kind.NO_TRANSACTION, "REINDEX CONCURRENTLY")


def _alter_enum(body: Node, make: Make) -> Iterator[Action]:
    if "newVal" in body and "oldVal" not in body:
        name = ".".join(_strings(body["typeName"]))
        yield make(Kind.ADD_ENUM_VALUE, "ALTER TYPE ADD VALUE", target=name)


def _insert(body: Node, make: Make) -> Iterator[Action]:
    select = body.get("selectStmt", {}).get("SelectStmt", {})
    values = list(_inserted_values(select))
    yield make(
        Kind.INSERT,
        "INSERT",
        table=_table(body["relation"]),
        existence_checked="onConflictClause" in body or _checks_existence(select),
        lookups=tuple(_lookups(values)),
        literals=frozenset(c for c in map(_constant, values) if c is not None),
        volatile=tuple(sorted(_volatile(values))),
    )


def _inserted_values(select: Node) -> Iterator[Node]:
    """The value expressions of VALUES rows and of the SELECT list (through UNIONs)."""
    for row in select.get("valuesLists", ()):
        yield from row["List"]["items"]
    for target in select.get("targetList", ()):
        value = target["ResTarget"].get("val")
        if value is not None:
            yield value
    for side in ("larg", "rarg"):
        if side in select:
            yield from _inserted_values(select[side])


def _checks_existence(select: Node) -> bool:
    """INSERT ... SELECT guarded by NOT EXISTS / NOT IN / an anti-join / EXCEPT."""
    if select.get("op") == "SETOP_EXCEPT":
        return True
    where = select.get("whereClause")
    if where is not None and any(kind in ("SubLink", "NullTest") for kind, _ in _walk(where)):
        return True
    return any(_checks_existence(select[side]) for side in ("larg", "rarg") if side in select)


def _lookups(values: list[Node]) -> Iterator[Lookup]:
    for node_kind, body in _walk(values):
        if node_kind != "SubLink" or body.get("subLinkType") != "EXPR_SUBLINK":
            continue
        sub = body["subselect"].get("SelectStmt", {})
        tables = [f["RangeVar"] for f in sub.get("fromClause", ()) if "RangeVar" in f]
        if tables:
            keys = {
                value
                for kind, node in _walk(sub.get("whereClause"))
                if kind == "A_Const" and (value := _constant({"A_Const": node})) is not None
            }
            yield Lookup(_table(tables[0]), frozenset(keys))


def _volatile(values: list[Node]) -> Iterator[str]:
    for kind, body in _walk(values):
        if kind == "FuncCall":
            name = _strings(body["funcname"])[-1]
            if name in VOLATILE_FUNCTIONS:
                yield f"{name}()"
        elif kind == "SQLValueFunction":
            name = body["op"].removeprefix("SVFOP_").removesuffix("_N").lower()
            if "date" in name or "time" in name:
                yield name


def _update(body: Node, make: Make) -> Iterator[Action]:
    where = body.get("whereClause")
    guarded_columns = _column_refs(where) if where is not None else set()
    targets = [t["ResTarget"] for t in body.get("targetList", ())]
    yield make(
        Kind.UPDATE,
        "UPDATE",
        table=_table(body["relation"]),
        has_where=where is not None,
        set_columns=tuple(t["name"] for t in targets),
        self_updates=tuple(
            t["name"]
            for t in targets
            if t["name"] not in guarded_columns and _sets_from_itself(t["name"], t.get("val"))
        ),
    )


def _sets_from_itself(column: str, value: Node | None) -> bool:
    """`x = x + 1`, `x = x || 'suffix'`: applying it twice changes the row twice."""
    expr = (value or {}).get("A_Expr")
    if expr is None or expr.get("kind") != "AEXPR_OP":
        return False
    return bool(set(_strings(expr["name"])) & _ARITHMETIC) and column in _column_refs(expr)


def _delete(body: Node, make: Make) -> Iterator[Action]:
    yield make(
        Kind.DELETE, "DELETE", table=_table(body["relation"]), has_where="whereClause" in body
    )


def _truncate(body: Node, make: Make) -> Iterator[Action]:
    for relation in body.get("relations", ()):
        yield make(Kind.DELETE, "TRUNCATE", table=_table(relation["RangeVar"]))


_HANDLERS: dict[str, Callable[[Node, Make], Iterator[Action]]] = {
    "CreateStmt": _create,
    "CreateTableAsStmt": _create_as,
    "DropStmt": _drop,
    "RenameStmt": _rename,
    "AlterTableStmt": _alter_table,
    "IndexStmt": _index,
    "ReindexStmt": _reindex,
    "AlterEnumStmt": _alter_enum,
    "InsertStmt": _insert,
    "UpdateStmt": _update,
    "DeleteStmt": _delete,
    "TruncateStmt": _truncate,
}
