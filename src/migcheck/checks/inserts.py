"""INSERT statements read row by row: which value goes into which column of which table.

The data checks need what lint's facts deliberately leave out: the column each value feeds
(to find a row again, to tell a parent's key from a child's), and whether a value is a
literal, a scalar sub-select (a parent lookup) or anything else. Statements with bound
parameters or that pglast cannot parse yield nothing: the checks then stay silent rather
than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast, enums, parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream


@dataclass(frozen=True)
class Value:
    """One inserted value: its SQL, and its text when it is a literal (None for NULL)."""

    sql: str
    literal: bool = False
    text: str | None = None
    lookup: Lookup | None = None  # a parent lookup: (SELECT id FROM colors WHERE name = 'x')


@dataclass(frozen=True)
class Lookup:
    """A scalar sub-select fetching one column of one table by equality conditions."""

    schema: str | None
    table: str
    keys: tuple[tuple[str, str], ...]  # (column, literal text) pairs of its WHERE

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


Row = dict[str, Value]


@dataclass(frozen=True)
class Insert:
    schema: str | None
    table: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]  # empty when the rows come from a table (INSERT ... SELECT ... FROM)
    on_conflict: bool = False
    conditional: bool = False  # INSERT ... SELECT ... WHERE: the condition may skip the row

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def targets(self, schema: str | None, table: str) -> bool:
        """Is this an insert into schema.table (a missing schema matches any)?"""
        if self.table != table:
            return False
        return self.schema is None or schema is None or self.schema == schema


def parse_inserts(sql: str) -> list[Insert]:
    """Every INSERT in `sql` with literal rows spelled out; [] when it cannot be read."""
    try:
        statements = parse_sql(sql)
    except ParseError:
        return []
    found = []
    for raw in statements:
        node = raw.stmt
        if isinstance(node, ast.InsertStmt):
            found.append(_insert(node))
    return found


def describe_row(row: Row, columns: tuple[str, ...] | None = None) -> str:
    """`name_en='Off-white', parent_color_id=7` (lookups shown as SQL)."""
    names = columns if columns is not None else tuple(row)
    return ", ".join(f"{c}={row[c].sql}" for c in names if c in row)


def _insert(node: ast.InsertStmt) -> Insert:
    columns = tuple(c.name for c in node.cols or ())
    select = node.selectStmt
    rows: list[Row] = []
    conditional = False
    if isinstance(select, ast.SelectStmt) and columns:
        if select.valuesLists:
            rows = [_row(columns, values) for values in select.valuesLists]
        elif select.targetList and not select.fromClause and not select.larg:
            rows = [_row(columns, [t.val for t in select.targetList])]
            conditional = select.whereClause is not None
    return Insert(
        schema=node.relation.schemaname,
        table=node.relation.relname,
        columns=columns,
        rows=tuple(r for r in rows if r),
        on_conflict=node.onConflictClause is not None,
        conditional=conditional,
    )


def _row(columns: tuple[str, ...], values: tuple[ast.Node, ...] | list[ast.Node]) -> Row:
    if len(values) != len(columns):
        return {}
    return {column: _value(value) for column, value in zip(columns, values, strict=True)}


def _value(node: ast.Node) -> Value:
    sql = RawStream()(node)
    inner = node.arg if isinstance(node, ast.TypeCast) else node
    if isinstance(inner, ast.A_Const):
        text = None if inner.isnull else _text(inner.val)
        return Value(sql=sql, literal=True, text=text)
    return Value(sql=sql, lookup=_lookup(node))


def _lookup(node: ast.Node) -> Lookup | None:
    """The parent lookup a value is, if it is one: one column of one table, with a WHERE."""
    if not isinstance(node, ast.SubLink) or node.subLinkType != enums.SubLinkType.EXPR_SUBLINK:
        return None
    select = node.subselect
    if not isinstance(select, ast.SelectStmt) or select.whereClause is None:
        return None
    targets, tables = select.targetList or (), select.fromClause or ()
    if len(targets) != 1 or not isinstance(targets[0].val, ast.ColumnRef):
        return None
    if len(tables) != 1 or not isinstance(tables[0], ast.RangeVar):
        return None
    return Lookup(tables[0].schemaname, tables[0].relname, tuple(_equalities(select.whereClause)))


def _equalities(node: ast.Node) -> list[tuple[str, str]]:
    """`col = 'literal'` conditions, through ANDs."""
    if isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.AND_EXPR:
        return [pair for arg in node.args for pair in _equalities(arg)]
    if not isinstance(node, ast.A_Expr) or [n.sval for n in node.name or ()] != ["="]:
        return []
    sides = [node.lexpr, node.rexpr]
    columns = [s for s in sides if isinstance(s, ast.ColumnRef)]
    constants = [_value(s) for s in sides if not isinstance(s, ast.ColumnRef)]
    if len(columns) != 1 or len(constants) != 1 or not constants[0].literal:
        return []
    field = columns[0].fields[-1]
    text = constants[0].text
    return [(field.sval, text)] if isinstance(field, ast.String) and text is not None else []


def _text(value: ast.Node) -> str:
    """A constant as PostgreSQL prints it (booleans as true/false)."""
    if isinstance(value, ast.Boolean):
        return "true" if value.boolval else "false"
    field = {ast.String: "sval", ast.Integer: "ival", ast.Float: "fval", ast.BitString: "bsval"}
    return str(getattr(value, field[type(value)]))
