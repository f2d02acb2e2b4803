"""diff_snapshots: what differs between the reference and the replay, object by object."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from migcheck.diff.difference import CHANGED, EXTRA, MISSING, Difference
from migcheck.errors import InputError
from migcheck.model import Severity
from migcheck.snapshot import KINDS, DbObject, ObjectKey, Snapshot, TableRows

COLUMN_ORDER_MODES = ("ignore", "info", "error")


@dataclass
class DiffOptions:
    """What not to report. Patterns are fnmatch patterns on an object's name
    (`public.audit_*`) or on `kind name` (`index *_tmp`); they cover what hangs off a match."""

    ignore: list[str] = field(default_factory=list)
    column_order: str = "info"  # ignore | info (reported, not a failure) | error
    ignore_comments: bool = False
    ignore_owners: bool = False  # owners and grants, when the snapshots have them

    def __post_init__(self) -> None:
        if self.column_order not in COLUMN_ORDER_MODES:
            raise InputError(
                f"column order {self.column_order!r}: use one of {', '.join(COLUMN_ORDER_MODES)}"
            )


def diff_snapshots(
    reference: Snapshot, actual: Snapshot, options: DiffOptions | None = None
) -> list[Difference]:
    """Every difference, schema objects first (in KINDS order), then rows; deterministic."""
    options = options or DiffOptions()
    ref_keys, act_keys = set(reference.objects), set(actual.objects)
    gone = {k: MISSING for k in ref_keys - act_keys} | {k: EXTRA for k in act_keys - ref_keys}
    found: list[Difference] = []
    for key, kind in gone.items():
        obj = reference.objects.get(key) or actual.objects[key]
        if not _ignored(obj, reference, actual, options) and not _owner_gone(obj, gone):
            found.append(Difference(kind, obj.kind, obj.name))
    for key in ref_keys & act_keys:
        ref, act = reference.objects[key], actual.objects[key]
        if not _ignored(ref, reference, actual, options):
            found.extend(_attribute_differences(ref, act, options))
    found.extend(_row_differences(reference, actual, gone, options))
    return sorted(found, key=_order)


def _order(d: Difference) -> tuple[Any, ...]:
    rank = KINDS.index(d.object_kind) if d.object_kind in KINDS else len(KINDS)
    return (rank, d.name, d.attribute or "", d.kind)


def _pattern_hit(kind: str, name: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(f"{kind} {name}", p) for p in patterns
    )


def _ignored(obj: DbObject, reference: Snapshot, actual: Snapshot, options: DiffOptions) -> bool:
    """Ignored itself, or through what it belongs to (a table's columns go with the table)."""
    if not options.ignore:
        return False
    key: ObjectKey | None = obj.key
    while key is not None:
        if _pattern_hit(key[0], key[1], options.ignore):
            return True
        owner = reference.objects.get(key) or actual.objects.get(key)
        key = owner.owner if owner is not None else None
    return False


def _owner_gone(obj: DbObject, gone: dict[ObjectKey, str]) -> bool:
    """A missing table's columns, constraints and indexes are not reported one by one."""
    return obj.owner is not None and gone.get(obj.owner) == gone.get(obj.key)


def _attribute_differences(ref: DbObject, act: DbObject, options: DiffOptions) -> list[Difference]:
    if ref.attrs == act.attrs:
        return []
    skipped = {"column_order"}
    if options.ignore_comments:
        skipped.add("comment")
    if options.ignore_owners:
        skipped |= {"owner", "grants"}
    found = [
        Difference(CHANGED, ref.kind, ref.name, name, ref.attrs.get(name), act.attrs.get(name))
        for name in sorted((set(ref.attrs) | set(act.attrs)) - skipped)
        if ref.attrs.get(name) != act.attrs.get(name)
    ]
    if ref.kind == "table" and options.column_order != "ignore":
        ref_order, act_order = common_order(ref, act), common_order(act, ref)
        if ref_order != act_order:
            severity = Severity.INFO if options.column_order == "info" else Severity.ERROR
            found.append(
                Difference(
                    CHANGED, "table", ref.name, "column order", ref_order, act_order, severity
                )
            )
    return found


def common_order(table: DbObject, other: DbObject) -> list[str]:
    """The table's column order, restricted to columns both sides have (a missing column is
    its own difference; it does not make every later column "out of order")."""
    order = table.attrs.get("column_order", [])
    shared = set(other.attrs.get("column_order", []))
    return [c for c in order if c in shared]


def _row_differences(
    reference: Snapshot, actual: Snapshot, gone: dict[ObjectKey, str], options: DiffOptions
) -> list[Difference]:
    found: list[Difference] = []
    for table in sorted(set(reference.data) | set(actual.data)):
        if ("table", table) in gone or _pattern_hit("table", table, options.ignore):
            continue
        ref, act = reference.data.get(table), actual.data.get(table)
        ref_rows = ref.rows if ref else {}
        act_rows = act.rows if act else {}
        for key in sorted(set(ref_rows) | set(act_rows)):
            found.extend(_compare_row(table, key, ref, act))
    return found


def _compare_row(
    table: str, key: str, ref: TableRows | None, act: TableRows | None
) -> list[Difference]:
    ref_values = ref.rows.get(key) if ref else None
    act_values = act.rows.get(key) if act else None
    shown = ref if ref_values is not None else act
    assert shown is not None
    values = ref_values if ref_values is not None else act_values
    context = shown.context_text(values or {})
    name = f"{table}({key})"

    def row(kind: str, **kw: Any) -> Difference:
        return Difference(kind, "row", name, context=context, table=table, row=key, **kw)

    if act_values is None:
        return [row(MISSING)]
    if ref_values is None:
        return [row(EXTRA)]
    assert ref is not None and act is not None
    return [
        row(
            CHANGED,
            attribute=column,
            reference=ref.render(column, ref_values.get(column)),
            actual=act.render(column, act_values.get(column)),
        )
        for column in sorted(set(ref_values) | set(act_values))
        if ref_values.get(column) != act_values.get(column)
    ]
