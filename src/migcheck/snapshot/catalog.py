"""Turn the catalog queries' rows into DbObjects (and the table facts the data part needs).

Attributes are chosen so that a difference reads as one clear line: a column's `type` is
`format_type` with modifiers, a constraint's `definition` is `pg_get_constraintdef` (it spells
out FK actions, deferrability and NOT VALID), an index is split into method, keys, INCLUDE and
predicate. Owners and grants are cluster-specific, so they are only read when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from migcheck.snapshot import queries
from migcheck.snapshot.model import DbObject, ObjectKey
from migcheck.snapshot.runner import QueryRunner, fetch_each


@dataclass
class ColumnInfo:
    name: str
    numeric: bool  # renders unquoted (numbers, booleans)
    not_null: bool
    surrogate: bool  # identity or sequence default: a value the database made up
    generated: bool  # GENERATED ALWAYS AS (...) STORED: computed, never written


@dataclass
class ForeignKey:
    columns: list[str]
    table: str
    ref_columns: list[str]


@dataclass
class TableInfo:
    """What reading a table's rows needs to know: columns, keys, foreign keys."""

    name: str
    kind: str  # r, p, f
    has_storage: bool  # pg_relation_size > 0: it may hold rows
    columns: list[ColumnInfo] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    unique: list[tuple[str, list[str]]] = field(default_factory=list)  # (name, columns)
    foreign_keys: list[ForeignKey] = field(default_factory=list)


@dataclass
class Catalog:
    objects: list[DbObject] = field(default_factory=list)
    tables: dict[str, TableInfo] = field(default_factory=dict)


_TABLE_KINDS = {"r": "table", "p": "table", "f": "table", "v": "view", "m": "materialized view"}
_CONSTRAINT_TYPES = {
    "p": "primary key",
    "f": "foreign key",
    "u": "unique",
    "c": "check",
    "x": "exclusion",
    "t": "trigger",
}
_FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "function"}
_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
_PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}
_TRIGGER_ENABLED = {"O": "enabled", "D": "disabled", "R": "replica", "A": "always"}
_POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}


# The reading steps in dependency order, and the ones each object kind needs (a table's
# rows need its columns and keys).
_STEPS = (
    "schemas",
    "extensions",
    "relations",
    "columns",
    "constraints",
    "indexes",
    "sequences",
    "types",
    "functions",
    "triggers",
    "policies",
)
_TABLE_FACTS = ("relations", "columns", "constraints", "indexes")
_STEPS_FOR: dict[str, tuple[str, ...]] = {
    "schema": ("schemas",),
    "extension": ("extensions",),
    "table": ("relations", "columns"),
    "view": ("relations", "columns"),  # reading relations fills in the tables' column order
    "materialized view": ("relations", "columns"),
    "column": ("relations", "columns"),
    "constraint": ("relations", "columns", "constraints"),
    "index": ("relations", "columns", "indexes"),
    "sequence": ("sequences",),
    "enum": ("types",),
    "domain": ("types",),
    "composite type": ("types",),
    "range type": ("types",),
    "function": ("functions",),
    "procedure": ("functions",),
    "aggregate": ("functions",),
    "trigger": ("triggers",),
    "policy": ("policies",),
    "row": _TABLE_FACTS,
}
# The object kinds each step reads: a read of some kinds returns every object of these.
_PRODUCES: dict[str, tuple[str, ...]] = {
    "schemas": ("schema",),
    "extensions": ("extension",),
    "relations": ("table", "view", "materialized view"),
    "columns": ("column",),
    "constraints": ("constraint",),
    "indexes": ("index",),
    "sequences": ("sequence",),
    "types": ("enum", "domain", "composite type", "range type"),
    "functions": ("function", "procedure", "aggregate"),
    "triggers": ("trigger",),
    "policies": ("policy",),
}


def kinds_read(kinds: Iterable[str]) -> set[str]:
    """Every object kind a read of `kinds` returns in full (more than asked for: a step
    reads all of its kinds, and the steps it depends on)."""
    return {kind for k in kinds for step in _STEPS_FOR[k] for kind in _PRODUCES[step]}


Rows = list[tuple[Any, ...]]
_QUERIES = {step: getattr(queries, step.upper()) for step in _STEPS}


class _Reader:
    def __init__(
        self,
        query: QueryRunner,
        version_num: int,
        owners: bool,
        grants: bool,
        scope: list[str] | None,
    ) -> None:
        self.query = query
        self.scope = scope
        self.version_num = version_num
        self.owners = owners
        self.grants = grants
        self.catalog = Catalog()
        self.attnames: dict[str, dict[int, str]] = {}  # table -> attnum -> column name

    def statement(self, sql: str) -> tuple[str, dict[str, Any] | None]:
        """A query of `queries` made ready to run: for this server, limited to the scope."""
        sql = queries.versioned(sql, self.version_num)
        if "%(scope)s" not in sql:
            return sql, None
        if self.scope is None:
            return sql, {"scope": None, "names": None}
        names = sorted({name.split(".", 1)[-1] for name in self.scope})
        return sql.replace(queries.READ_ALL, ""), {"scope": self.scope, "names": names}

    def add(
        self,
        kind: str,
        name: str,
        attrs: dict[str, Any],
        parent: ObjectKey | None = None,
        owner: str | None = None,
        acl: Iterable[str] | None = None,
        comment: str | None = None,
    ) -> None:
        attrs["comment"] = comment
        if self.owners:
            attrs["owner"] = owner
        if self.grants:
            attrs["grants"] = sorted(acl or [])
        self.catalog.objects.append(DbObject(kind, name, attrs, parent))

    def read(self, kinds: list[str] | None) -> Catalog:
        """Every step's query in one round trip (where the runner can), then each step's
        rows in dependency order."""
        wanted = _STEPS if kinds is None else {s for k in kinds for s in _STEPS_FOR[k]}
        steps = [step for step in _STEPS if step in wanted]
        results = fetch_each(self.query, [self.statement(_QUERIES[step]) for step in steps])
        for step, rows in zip(steps, results, strict=True):
            getattr(self, step)(rows)
        return self.catalog

    def schemas(self, rows: Rows) -> None:
        for name, owner, acl, comment in rows:
            self.add("schema", name, {}, owner=owner, acl=acl, comment=comment)

    def extensions(self, rows: Rows) -> None:
        for name, schema, version, comment in rows:
            self.add("extension", name, {"schema": schema, "version": version}, comment=comment)

    def relations(self, rows: Rows) -> None:
        for row in rows:
            (schema, rel, relkind, persistence, is_partition, partkey, bound, parents) = row[:8]
            (options, viewdef, rls, force_rls, am, owner, acl, comment, storage) = row[8:]
            name = f"{schema}.{rel}"
            kind = _TABLE_KINDS[relkind]
            attrs: dict[str, Any] = {"options": sorted(options or [])}
            if kind == "table":
                self.catalog.tables[name] = TableInfo(name, relkind, bool(storage))
                attrs.update(
                    partitioned_by=partkey,
                    partition_of=parents[0] if is_partition else None,
                    partition_bound=bound,
                    inherits=[] if is_partition else list(parents),
                    unlogged=persistence == "u",
                    foreign=relkind == "f",
                    row_security="forced" if force_rls else "enabled" if rls else "disabled",
                    access_method=am,
                    column_order=[],
                )
            else:
                attrs["definition"] = _normalise_sql(viewdef)
            self.add(kind, name, attrs, owner=owner, acl=acl, comment=comment)

    def columns(self, rows: Rows) -> None:
        tables = {o.name: o for o in self.catalog.objects if o.kind == "table"}
        for row in rows:
            (schema, rel, col, number, type_, notnull, expr, identity, generated) = row[:9]
            (collation, comment, acl, category, is_local) = row[9:]
            table = f"{schema}.{rel}"
            self.attnames.setdefault(table, {})[number] = col
            tables[table].attrs["column_order"].append(col)
            attrs = {
                "type": type_,
                "nullable": not notnull,
                "default": None if generated else expr,
                "identity": {"a": "always", "d": "by default"}.get(identity),
                "generated": expr if generated else None,
                "collation": collation,
                "inherited": not is_local,
            }
            self.add("column", f"{table}.{col}", attrs, ("table", table), acl=acl, comment=comment)
            self.catalog.tables[table].columns.append(
                ColumnInfo(
                    col,
                    numeric=category in ("N", "B"),
                    not_null=notnull,
                    surrogate=bool(identity) or (expr or "").startswith("nextval("),
                    generated=bool(generated),
                )
            )

    def constraints(self, rows: Rows) -> None:
        for row in rows:
            (schema, owner_name, name, contype, definition, on_domain, comment) = row[:7]
            (keys, ref_table, ref_keys) = row[7:]
            parent_name = f"{schema}.{owner_name}"
            columns = self.column_names(parent_name, keys)
            ref_columns = self.column_names(ref_table, ref_keys)
            parent: ObjectKey = ("domain" if on_domain else "table", parent_name)
            attrs = {"type": _CONSTRAINT_TYPES.get(contype, contype), "definition": definition}
            self.add("constraint", f"{parent_name}.{name}", attrs, parent, comment=comment)
            table = self.catalog.tables.get(parent_name)
            if table is None or on_domain:
                continue
            if contype == "p":
                table.primary_key = list(columns)
            elif contype == "u":
                table.unique.append((name, list(columns)))
            elif contype == "f":
                table.foreign_keys.append(ForeignKey(list(columns), ref_table, list(ref_columns)))

    def column_names(self, table: str | None, numbers: list[int] | None) -> list[str]:
        """Column names for attnums (0, an expression, becomes "")."""
        names = self.attnames.get(table or "", {})
        return [names.get(n, "") for n in numbers or []]

    def indexes(self, rows: Rows) -> None:
        for row in rows:
            (schema, name, table, unique, method, nkey, parts, opclasses, options) = row[:9]
            (predicate, nulls_not_distinct, comment, numbers, backs_constraint) = row[9:]
            columns = self.column_names(table, numbers)
            info = self.catalog.tables.get(table)
            if unique and not predicate and info is not None and all(columns[:nkey]):
                info.unique.append((name, list(columns[:nkey])))
            if backs_constraint:
                continue
            keys = [
                _index_key(part, opclass, option)
                for part, opclass, option in zip(parts[:nkey], opclasses, options, strict=False)
            ]
            attrs = {
                "table": table,
                "unique": unique,
                "method": method,
                "keys": keys,
                "include": list(parts[nkey:]),
                "predicate": predicate,
                "nulls_not_distinct": nulls_not_distinct,
            }
            self.add("index", f"{schema}.{name}", attrs, ("table", table), comment=comment)

    def sequences(self, rows: Rows) -> None:
        for row in rows:
            (schema, name, type_, start, increment, minimum, maximum, cache, cycle) = row[:9]
            (owned_by, owner, acl, comment) = row[9:]
            attrs = {
                "type": type_,
                "start": start,
                "increment": increment,
                "min": minimum,
                "max": maximum,
                "cache": cache,
                "cycle": cycle,
                "owned_by": owned_by,
            }
            self.add("sequence", f"{schema}.{name}", attrs, owner=owner, acl=acl, comment=comment)

    def types(self, rows: Rows) -> None:
        for row in rows:
            (schema, name, typtype, labels, base, notnull, default, collation) = row[:8]
            (attributes, subtype, owner, acl, comment) = row[8:]
            kind, attrs = {
                "e": ("enum", {"labels": list(labels)}),
                "d": (
                    "domain",
                    {
                        "type": base,
                        "nullable": not notnull,
                        "default": default,
                        "collation": collation,
                    },
                ),
                "c": ("composite type", {"attributes": list(attributes)}),
                "r": ("range type", {"subtype": subtype}),
            }[typtype]
            self.add(kind, f"{schema}.{name}", attrs, owner=owner, acl=acl, comment=comment)

    def functions(self, rows: Rows) -> None:
        for row in rows:
            (schema, name, signature, prokind, arguments, result, language, body) = row[:8]
            (volatility, strict, definer, leakproof, parallel, config, owner, acl) = row[8:16]
            comment = row[16]
            attrs = {
                "arguments": arguments,
                "returns": result,
                "language": language,
                "body": body,
                "volatility": _VOLATILITY.get(volatility, volatility),
                "strict": strict,
                "security": "definer" if definer else "invoker",
                "leakproof": leakproof,
                "parallel": _PARALLEL.get(parallel, parallel),
                "config": sorted(config or []),
            }
            self.add(
                _FUNCTION_KINDS.get(prokind, "function"),
                f"{schema}.{name}({signature})",
                attrs,
                owner=owner,
                acl=acl,
                comment=comment,
            )

    def triggers(self, rows: Rows) -> None:
        for schema, rel, name, definition, enabled, comment in rows:
            table = f"{schema}.{rel}"
            attrs = {"definition": definition, "status": _TRIGGER_ENABLED.get(enabled, enabled)}
            self.add("trigger", f"{table}.{name}", attrs, ("table", table), comment=comment)

    def policies(self, rows: Rows) -> None:
        for row in rows:
            schema, rel, name, permissive, command, roles, using, check = row
            table = f"{schema}.{rel}"
            attrs = {
                "permissive": permissive,
                "command": _POLICY_COMMANDS.get(command, command),
                "roles": list(roles),
                "using": using,
                "with_check": check,
            }
            self.catalog.objects.append(
                DbObject("policy", f"{table}.{name}", attrs, ("table", table))
            )


def read_catalog(
    query: QueryRunner,
    version_num: int,
    owners: bool = False,
    grants: bool = False,
    scope: list[str] | None = None,
    kinds: list[str] | None = None,
) -> Catalog:
    """Every object, or only those whose scope name (own or table's) is in `scope`, and only
    of `kinds` ("row" meaning what reading rows needs)."""
    return _Reader(query, version_num, owners, grants, scope).read(kinds)


def _index_key(part: str, opclass: str, option: int) -> str:
    """`expr [opclass] [DESC] [NULLS FIRST|LAST]`, only spelling out non-defaults."""
    descending, nulls_first = bool(option & 1), bool(option & 2)
    words = [part, opclass] if opclass else [part]
    if descending:
        words.append("DESC")
    if nulls_first != descending:
        words.append("NULLS FIRST" if nulls_first else "NULLS LAST")
    return " ".join(words)


def _normalise_sql(text: str | None) -> str | None:
    """Whitespace-insensitive form of a deparsed definition (indentation is cosmetic)."""
    return " ".join(text.split()) if text is not None else None
