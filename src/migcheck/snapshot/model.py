"""The snapshot model: every schema object as (kind, name, attributes), plus reference rows.

One generic shape instead of a class per object kind keeps the diff, the blame and the JSON
form to a single code path each: an object is addressed by a stable key such as
("column", "product_attributes.colors.parent_color_id"), and its attributes are plain JSON
values, so two snapshots compare attribute by attribute and serialise deterministically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ObjectKey = tuple[str, str]

# Object kinds in the order reports list them (parents before what hangs off them).
KINDS = (
    "schema",
    "extension",
    "enum",
    "domain",
    "composite type",
    "range type",
    "sequence",
    "table",
    "column",
    "constraint",
    "index",
    "view",
    "materialized view",
    "function",
    "procedure",
    "aggregate",
    "trigger",
    "policy",
)


@dataclass
class DbObject:
    """One database object; `parent` is the key of the object it belongs to (e.g. its table)."""

    kind: str
    name: str
    attrs: dict[str, Any] = field(default_factory=dict)
    parent: ObjectKey | None = None

    @property
    def key(self) -> ObjectKey:
        return (self.kind, self.name)

    @property
    def scope(self) -> str:
        """The name a scoped read selects this object by (see queries.in_scope): its parent's
        (table or domain), a function's name without its signature, or its own."""
        if self.parent is not None:
            return self.parent[1]
        if self.kind in ("function", "procedure", "aggregate"):
            return self.name.split("(", 1)[0]
        return self.name

    @property
    def owner(self) -> ObjectKey | None:
        """What this object goes away with: its parent, or the table owning a sequence."""
        if self.parent is not None:
            return self.parent
        owned_by = self.attrs.get("owned_by") if self.kind == "sequence" else None
        return ("table", owned_by.rsplit(".", 1)[0]) if owned_by else None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "name": self.name, "attrs": self.attrs}
        if self.parent is not None:
            data["parent"] = list(self.parent)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DbObject:
        parent = data.get("parent")
        return cls(
            data["kind"], data["name"], dict(data["attrs"]), tuple(parent) if parent else None
        )


@dataclass
class TableRows:
    """The rows of one reference table, keyed by their natural key as displayed.

    Values are text (NULL is None). A foreign key to another reference table appears as one
    value under `labels[fk columns]`, rendered through the parent's natural key, so a row
    reads `colors(name_en='Off-white', parent_color='White')` rather than carrying an id.
    `key_columns` are the table's own columns the key was built from (so the other side of a
    diff, and every per-revision snapshot, can be read with the same key); `context` are the
    labels shown beside the key to say which row is meant; `numeric` labels render unquoted.
    """

    table: str
    key_columns: list[str]
    key: list[str]
    context: list[str]
    numeric: list[str]
    rows: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def label(self, key: str) -> str:
        """`schema.table(key='x', parent='y')` for the row stored under `key`."""
        context = self.context_text(self.rows.get(key, {}))
        return f"{self.table}({', '.join(p for p in (key, context) if p)})"

    def context_text(self, values: dict[str, str | None]) -> str:
        """The parents shown beside a row's key: `parent_color='White'` (none when NULL)."""
        shown = [c for c in self.context if values.get(c) is not None]
        return ", ".join(f"{c}={self.render(c, values[c])}" for c in shown)

    def render(self, column: str, value: str | None) -> str:
        if value is None:
            return "NULL"
        if column in self.numeric:
            return value
        return "'" + value.replace("'", "''") + "'"

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key_columns": self.key_columns,
            "key": self.key,
            "context": self.context,
            "numeric": self.numeric,
            "rows": {k: self.rows[k] for k in sorted(self.rows)},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableRows:
        return cls(
            table=data["table"],
            key_columns=list(data["key_columns"]),
            key=list(data["key"]),
            context=list(data["context"]),
            numeric=list(data["numeric"]),
            rows={k: dict(v) for k, v in data["rows"].items()},
        )


@dataclass
class Snapshot:
    """A database's schema objects and reference rows, as `take_snapshot` read them."""

    objects: dict[ObjectKey, DbObject] = field(default_factory=dict)
    data: dict[str, TableRows] = field(default_factory=dict)
    server_version: str = ""

    def get(self, kind: str, name: str) -> DbObject | None:
        return self.objects.get((kind, name))

    def of_kind(self, kind: str) -> list[DbObject]:
        return [o for k, o in sorted(self.objects.items()) if k[0] == kind]

    def add(self, obj: DbObject) -> None:
        self.objects[obj.key] = obj

    def to_dict(self) -> dict[str, Any]:
        return {
            "server_version": self.server_version,
            "objects": [self.objects[k].to_dict() for k in sorted(self.objects)],
            "data": {t: self.data[t].to_dict() for t in sorted(self.data)},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        objects = [DbObject.from_dict(o) for o in data.get("objects", [])]
        return cls(
            objects={o.key: o for o in objects},
            data={t: TableRows.from_dict(d) for t, d in data.get("data", {}).items()},
            server_version=data.get("server_version", ""),
        )
