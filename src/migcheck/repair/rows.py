"""Reference rows as idempotent SQL: inserts in foreign-key order, deletes, updates.

Rows come from the snapshots, keyed by natural key, with a foreign key to another reference
table rendered through that parent's natural key (`parent_color='White'`), so the SQL looks
parents up the same way: `(SELECT id FROM colors WHERE name_en = 'White')`, never a
hard-coded id. Tables are written parents first; inside a table, a row waits for the row
its self-reference names (one INSERT per level, because a statement does not see its own
rows). Every insert is safe where the row already exists: `ON CONFLICT (key) DO NOTHING`
when the natural key is unique, `WHERE NOT EXISTS` otherwise. The downgrade deletes exactly
those rows, children first.
"""

from __future__ import annotations

from dataclasses import dataclass

from migcheck.diff import CHANGED, EXTRA, MISSING, Difference
from migcheck.repair.objects import Unsupported
from migcheck.repair.plan import Step
from migcheck.repair.pysource import Sql, Statement
from migcheck.repair.side import Side
from migcheck.snapshot import TableRows
from migcheck.snapshot.catalog import ForeignKey, TableInfo
from migcheck.snapshot.data import through_parents

WIDTH = 76  # SQL lines inside the revision's triple-quoted strings
_TEXT_TYPES = ("text", "character varying", "character", "name")
_ROWS_PHASE = 100  # after every schema step


@dataclass
class Label:
    """What one value of a snapshot row stands for: a column, or a foreign key rendered
    through its parent's natural key."""

    name: str
    columns: list[str]
    parent: ForeignKey | None = None
    parent_key: str = ""


class Table:
    """One table's rows on one side, with what writing them needs."""

    def __init__(self, side: Side, name: str) -> None:
        self.side = side
        self.name = name
        self.sql_name = side.quote(name)
        self.info: TableInfo = side.table_info()[name]
        self.rows: TableRows = side.snapshot.data[name]
        self.labels = _labels(side, self.info)

    def values(self, key: str) -> dict[str, str | None]:
        return self.rows.rows[key]

    def column_sql(self, label: Label, value: str | None) -> list[str]:
        """SQL for each column `label` stands for."""
        if label.parent is None or value is None:
            return [self.rows.render(label.name, value)] * len(label.columns)
        parent = self.side.quote(label.parent.table)
        literal = self.rows.render(label.name, value)
        return [
            f"(SELECT {self.side.quote(ref)} FROM {parent} "
            f"WHERE {self.side.quote(label.parent_key)} = {literal})"
            for ref in label.parent.ref_columns
        ]

    def written(self) -> list[Label]:
        """Labels of the columns an INSERT names (generated columns are computed)."""
        generated = {c.name for c in self.info.columns if c.generated}
        return [
            label
            for label in self.labels.values()
            if label.name in self.rows.key + self._present() and not set(label.columns) & generated
        ]

    def _present(self) -> list[str]:
        first = next(iter(self.rows.rows.values()), {})
        return list(first)

    def condition(self, key: str) -> str:
        """`name_en = 'White'`: the row by its natural key."""
        values = self.values(key)
        parts = []
        for name in self.rows.key:
            label = self.labels[name]
            for column, sql in zip(
                label.columns, self.column_sql(label, values[name]), strict=True
            ):
                quoted = self.side.quote(column)
                parts.append(f"{quoted} IS NULL" if sql == "NULL" else f"{quoted} = {sql}")
        return " AND ".join(parts)

    def unique_key(self) -> list[str] | None:
        """The natural key's columns when a unique constraint or index covers exactly them."""
        key = set(self.rows.key_columns)
        candidates = [self.info.primary_key, *(columns for _name, columns in self.info.unique)]
        return self.rows.key_columns if any(set(c) == key for c in candidates if c) else None

    def column_type(self, column: str) -> str:
        obj = self.side.snapshot.get("column", f"{self.name}.{column}")
        return obj.attrs.get("type", "text") if obj is not None else "text"


def _labels(side: Side, info: TableInfo) -> dict[str, Label]:
    """The snapshot's value labels (snapshot/data.py's `through_parents`, over the tables
    whose rows the snapshot holds)."""
    keys = {name: rows.key_columns for name, rows in side.snapshot.data.items()}
    labels: dict[str, Label] = {}
    by_column: dict[str, Label] = {}
    for fk, name in through_parents(info, keys):
        parent_key = keys[fk.table]
        if len(parent_key) != 1:
            raise Unsupported(
                f"rows of {info.name}: parent {fk.table} has a composite natural key; configure "
                "[tool.migcheck.reference] natural_keys with one column"
            )
        label = Label(name, list(fk.columns), fk, parent_key[0])
        by_column.update(dict.fromkeys(fk.columns, label))
    for column in info.columns:  # in the table's column order
        label = by_column.get(column.name) or Label(column.name, [column.name])
        labels.setdefault(label.name, label)
    return labels


def plan_rows(differences: list[Difference], reference: Side, actual: Side) -> list[Step]:
    """Steps for row differences, and for every row of a table the repair creates."""
    missing: dict[str, list[str]] = {}
    extra: dict[str, list[str]] = {}
    changed: dict[tuple[str, str], list[Difference]] = {}
    for d in differences:
        if d.object_kind == "table" and d.kind == MISSING and d.name in reference.snapshot.data:
            missing[d.name] = sorted(reference.snapshot.data[d.name].rows)
        if d.object_kind != "row" or d.table is None or d.row is None:
            continue
        if d.kind == MISSING:
            missing.setdefault(d.table, []).append(d.row)
        elif d.kind == EXTRA:
            extra.setdefault(d.table, []).append(d.row)
        elif d.kind == CHANGED:
            changed.setdefault((d.table, d.row), []).append(d)
    steps = []
    if extra:
        inserts, deletes = _inserts_and_deletes(actual, extra)
        steps.append(Step("rows not in the reference", _ROWS_PHASE, deletes, inserts))
    if missing:
        inserts, deletes = _inserts_and_deletes(reference, missing)
        title = "reference rows missing after a fresh replay (found by natural key)"
        steps.append(Step(title, _ROWS_PHASE + 1, inserts, deletes))
    if changed:
        up = [_update(reference, table, key, ds) for (table, key), ds in changed.items()]
        down = [_update(actual, table, key, ds) for (table, key), ds in changed.items()]
        steps.append(Step("reference rows whose values differ", _ROWS_PHASE + 2, up, down))
    return steps


def _inserts_and_deletes(
    side: Side, wanted: dict[str, list[str]]
) -> tuple[list[Statement], list[Statement]]:
    tables = {name: Table(side, name) for name in wanted}
    inserts: list[Statement] = []
    deletes: list[Statement] = []
    for name in _table_order(tables):
        table = tables[name]
        for keys in _levels(table, wanted[name]):
            inserts.extend(_insert(table, keys))
            deletes.insert(0, _delete(table, keys))
    return inserts, deletes


def _table_order(tables: dict[str, Table]) -> list[str]:
    """Parents before children (foreign keys between the tables written; self-references
    are the levels' business)."""
    parents = {
        name: {fk.table for fk in t.info.foreign_keys if fk.table in tables and fk.table != name}
        for name, t in tables.items()
    }
    return _topological(sorted(tables), parents, "tables")


def _levels(table: Table, keys: list[str]) -> list[list[str]]:
    """Rows grouped so that each waits for the rows of this table its self-references name."""
    own = [
        label
        for label in table.labels.values()
        if label.parent and label.parent.table == table.name
    ]
    by_value: dict[str, str] = {}
    for key in keys:
        for label in own:
            value = table.values(key).get(label.parent_key)
            if value is not None:
                by_value[value] = key
    parents = {
        key: {
            by_value[value]
            for label in own
            if (value := table.values(key).get(label.name)) is not None and value in by_value
        }
        - {key}
        for key in keys
    }
    depth: dict[str, int] = {}
    for key in _topological(sorted(keys), parents, f"rows of {table.name}"):
        depth[key] = max((depth[p] + 1 for p in parents[key]), default=0)
    return [[k for k in depth if depth[k] == level] for level in range(max(depth.values()) + 1)]


def _topological(names: list[str], parents: dict[str, set[str]], what: str) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(names):
        ready = [n for n in names if n not in placed and parents[n] <= placed]
        if not ready:
            cycle = ", ".join(n for n in names if n not in placed)
            raise Unsupported(f"{what}: foreign keys form a cycle ({cycle}); write these by hand")
        order.extend(ready)
        placed.update(ready)
    return order


def _insert(table: Table, keys: list[str]) -> list[Statement]:
    labels = table.written()
    columns = [table.side.quote(c) for label in labels for c in label.columns]
    tuples = [
        [
            sql
            for label in labels
            for sql in table.column_sql(label, table.values(key).get(label.name))
        ]
        for key in keys
    ]
    overriding = any(_identity_always(table, c) for label in labels for c in label.columns)
    head = f"INSERT INTO {table.sql_name} ({', '.join(columns)})"
    head += "\nOVERRIDING SYSTEM VALUE" if overriding else ""
    unique = table.unique_key()
    statements: list[Statement] = []
    if unique is not None:
        target = ", ".join(table.side.quote(c) for c in unique)
        rows = ",\n".join(_tuple(values, "    ") for values in tuples)
        statements.append(Sql(f"{head}\nVALUES\n{rows}\nON CONFLICT ({target}) DO NOTHING"))
    else:
        for key, values in zip(keys, tuples, strict=True):
            cast = [
                _cast(table, column, sql)
                for column, sql in zip(
                    [c for lb in labels for c in lb.columns], values, strict=True
                )
            ]
            statements.append(
                Sql(
                    f"{head}\nSELECT {', '.join(cast)}\nWHERE NOT EXISTS (\n"
                    f"    SELECT FROM {table.sql_name} WHERE {table.condition(key)}\n)"
                )
            )
    surrogate = [
        c.name
        for c in table.info.columns
        if c.surrogate and c.name in {col for label in labels for col in label.columns}
    ]
    for column in surrogate:  # explicit ids: move the sequence past them
        statements.append(
            Sql(
                f"SELECT setval(pg_get_serial_sequence('{table.sql_name}', '{column}'), "
                f"(SELECT max({table.side.quote(column)}) FROM {table.sql_name}))"
            )
        )
    return statements


def _identity_always(table: Table, column: str) -> bool:
    obj = table.side.snapshot.get("column", f"{table.name}.{column}")
    return obj is not None and obj.attrs.get("identity") == "always"


def _cast(table: Table, column: str, sql: str) -> str:
    """A quoted literal in a SELECT list is text: cast it unless text converts implicitly."""
    type_ = table.column_type(column)
    if not sql.startswith("'") or type_.startswith(_TEXT_TYPES):
        return sql
    return f"CAST({sql} AS {type_})"


def _tuple(values: list[str], indent: str) -> str:
    one = f"{indent}({', '.join(values)})"
    if len(one) <= WIDTH:
        return one
    inner = ",\n".join(f"{indent}    {v}" for v in values)
    return f"{indent}(\n{inner}\n{indent})"


def _delete(table: Table, keys: list[str]) -> Statement:
    labels = [table.labels[name] for name in table.rows.key]
    if len(labels) == 1 and labels[0].parent is None and len(labels[0].columns) == 1:
        column = table.side.quote(labels[0].columns[0])
        values = [table.rows.render(labels[0].name, table.values(k)[labels[0].name]) for k in keys]
        if len(values) == 1 and values[0] != "NULL":
            return Sql(f"DELETE FROM {table.sql_name} WHERE {column} = {values[0]}")
        if "NULL" not in values:
            listed = ", ".join(values)
            if len(f"WHERE {column} IN ({listed})") > WIDTH:
                listed = "\n" + ",\n".join(f"    {v}" for v in values) + "\n"
            one = f"DELETE FROM {table.sql_name} WHERE {column} IN ({listed})"
            if len(one) <= WIDTH:
                return Sql(one)
            return Sql(f"DELETE FROM {table.sql_name}\nWHERE {column} IN ({listed})")
    conditions = "\n   OR ".join(f"({table.condition(k)})" for k in keys)
    return Sql(f"DELETE FROM {table.sql_name}\nWHERE {conditions}")


def _update(side: Side, name: str, key: str, changes: list[Difference]) -> Statement:
    table = Table(side, name)
    values = table.values(key)
    assignments = []
    for d in changes:
        label = table.labels[d.attribute or ""]
        for column, sql in zip(
            label.columns, table.column_sql(label, values.get(label.name)), strict=True
        ):
            assignments.append(f"{side.quote(column)} = {sql}")
    return Sql(
        f"UPDATE {table.sql_name}\nSET {', '.join(assignments)}\nWHERE {table.condition(key)}"
    )
