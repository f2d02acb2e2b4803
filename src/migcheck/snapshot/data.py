"""Rows of reference tables, keyed by natural key, foreign keys shown through their parent.

Surrogate ids differ between a developer database and a fresh replay even when the data is the
same (ids are handed out in insertion order), so rows are matched by a natural key and a
foreign key to another reference table is rendered through that parent's natural key:
`parent_color='White'`, not `parent_color_id=7`. One query per table, joins included;
the queries of all tables go in one round trip where the connection can (runner.fetch_each).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from psycopg import sql as pgsql

from migcheck.snapshot.catalog import ColumnInfo, ForeignKey, TableInfo
from migcheck.snapshot.model import TableRows
from migcheck.snapshot.runner import QueryRunner, Statement, fetch_each


def natural_key(table: TableInfo, configured: dict[str, list[str]]) -> list[str]:
    """The columns that identify a row: configured, else a single-column unique key that is
    not the primary key (NOT NULL ones first), else the primary key, else the whole row."""
    names = [c.name for c in table.columns]
    bare = table.name.split(".", 1)[1]
    chosen = configured.get(table.name) or configured.get(bare)
    if chosen and all(c in names for c in chosen):
        return list(chosen)
    not_null = {c.name for c in table.columns if c.not_null}
    singles = sorted(
        (cols[0] not in not_null, name, cols[0])
        for name, cols in table.unique
        if len(cols) == 1 and cols != table.primary_key
    )
    if singles:
        return [singles[0][2]]
    return list(table.primary_key) or names


@dataclass
class _Output:
    """One value of a row: a plain column, or a foreign key rendered through its parent."""

    label: str
    columns: list[str]  # the table's own columns it stands for
    expression: pgsql.Composable
    numeric: bool


def read_rows(
    query: QueryRunner, tables: dict[str, TableInfo], names: list[str], keys: dict[str, list[str]]
) -> dict[str, TableRows]:
    """TableRows for each table in `names` that holds rows; `keys` are resolved natural keys."""
    found: dict[str, TableRows] = {}
    statements: list[Statement] = []
    outputs_of: dict[str, list[_Output]] = {}
    for name in names:
        outputs, joins = _outputs(tables[name], tables, keys)
        outputs_of[name] = outputs
        statement = pgsql.SQL("SELECT {} FROM ONLY {} AS r {}").format(
            pgsql.SQL(", ").join(o.expression for o in outputs),
            _identifier(name),
            pgsql.SQL(" ").join(joins),
        )
        statements.append((statement.as_string(None), None))
    for name, rows in zip(names, fetch_each(query, statements), strict=True):
        if rows:
            found[name] = _table_rows(tables[name], keys[name], outputs_of[name], rows, set(keys))
    return found


def _outputs(
    table: TableInfo, tables: dict[str, TableInfo], keys: dict[str, list[str]]
) -> tuple[list[_Output], list[pgsql.Composable]]:
    key = keys[table.name]
    drop = set()
    if key != table.primary_key:
        drop = {c.name for c in table.columns if c.surrogate and c.name in table.primary_key}
    by_column: dict[str, _Output] = {}
    joins: list[pgsql.Composable] = []
    for fk, label in through_parents(table, keys):
        parent_key = keys[fk.table]
        alias = f"p{len(joins)}"
        joins.append(_join(alias, fk))
        parent_columns = {c.name: c for c in tables[fk.table].columns}
        values = [pgsql.Identifier(alias, c) for c in parent_key]
        expression = (
            pgsql.SQL("{}::text").format(values[0])
            if len(values) == 1
            else pgsql.SQL("ROW({})::text").format(pgsql.SQL(", ").join(values))
        )
        output = _Output(
            label,
            fk.columns,
            expression,
            len(parent_key) == 1 and parent_columns[parent_key[0]].numeric,
        )
        by_column.update(dict.fromkeys(fk.columns, output))
    outputs: list[_Output] = []
    for column in table.columns:
        if column.name in drop:
            continue
        output = by_column.get(column.name) or _plain(column)
        if output not in outputs:
            outputs.append(output)
    return outputs, joins


def _plain(column: ColumnInfo) -> _Output:
    expression = pgsql.SQL("{}::text").format(pgsql.Identifier("r", column.name))
    return _Output(column.name, [column.name], expression, column.numeric)


def _join(alias: str, fk: ForeignKey) -> pgsql.Composable:
    conditions = pgsql.SQL(" AND ").join(
        pgsql.SQL("{} = {}").format(pgsql.Identifier(alias, ref), pgsql.Identifier("r", own))
        for own, ref in zip(fk.columns, fk.ref_columns, strict=True)
    )
    return pgsql.SQL("LEFT JOIN {} AS {} ON {}").format(
        _identifier(fk.table), pgsql.Identifier(alias), conditions
    )


def through_parents(table: TableInfo, keys: dict[str, list[str]]) -> list[tuple[ForeignKey, str]]:
    """The foreign keys of `table` shown through their parent's natural key, each with the
    label its value goes under: those to a table in `keys` (table → natural key) that do not
    point at that very key; a column goes with the first of them."""
    names = {c.name for c in table.columns}
    taken: set[str] = set()
    found: list[tuple[ForeignKey, str]] = []
    for fk in table.foreign_keys:
        parent_key = keys.get(fk.table)
        if parent_key is None or parent_key == fk.ref_columns or set(fk.columns) & taken:
            continue
        taken.update(fk.columns)
        found.append((fk, _fk_label(fk, names)))
    return found


def _fk_label(fk: ForeignKey, names: set[str]) -> str:
    """`parent_color_id` → `parent_color`; a composite key is named after its parent table."""
    if len(fk.columns) == 1:
        column = fk.columns[0]
        stripped = column.removesuffix("_id")
        return stripped if stripped and stripped not in names else column
    bare = fk.table.split(".", 1)[1]
    return bare if bare not in names else "_".join(fk.columns)


def _identifier(qualified: str) -> pgsql.Identifier:
    schema, _, name = qualified.partition(".")
    return pgsql.Identifier(schema, name)


def _table_rows(
    table: TableInfo,
    key_columns: list[str],
    outputs: list[_Output],
    rows: list[tuple[str | None, ...]],
    reference_tables: set[str],
) -> TableRows:
    key = [o.label for o in outputs if set(o.columns) & set(key_columns)]
    context = [
        o.label
        for o in outputs
        if o.label not in key
        and any(
            o.columns == fk.columns and fk.table in reference_tables for fk in table.foreign_keys
        )
    ]
    numeric = [o.label for o in outputs if o.numeric]
    result = TableRows(table.name, key_columns, key, context, numeric)
    labels = [o.label for o in outputs]
    values = sorted((dict(zip(labels, row, strict=True)) for row in rows), key=_sort_key)
    seen: Counter[str] = Counter()
    for value in values:
        identity = ", ".join(f"{label}={result.render(label, value[label])}" for label in key)
        seen[identity] += 1
        if seen[identity] > 1:
            identity = f"{identity} #{seen[identity]}"
        result.rows[identity] = value
    return result


def _sort_key(values: dict[str, str | None]) -> tuple[tuple[bool, str], ...]:
    return tuple((v is None, v or "") for v in values.values())
