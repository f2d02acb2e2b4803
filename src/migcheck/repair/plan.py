"""Differences → steps: what the repair revision does, and how its downgrade undoes it.

A missing object is created from the reference's definition and dropped on downgrade; an
extra one is dropped and recreated from the replay's definition; a changed one is altered
to the reference and back. A missing and an extra constraint (or index) that differ only by
name are one rename. Steps run in dependency order: drops first (dependents before what
they depend on), then changes and creations (schemas, types, sequences, tables, columns,
constraints, foreign keys, indexes, functions, views, triggers, policies); the downgrade
runs the steps backwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from migcheck.diff import CHANGED, EXTRA, MISSING, Difference
from migcheck.model import Severity
from migcheck.repair import objects as o
from migcheck.repair.pysource import Comment, Statement
from migcheck.repair.side import Side
from migcheck.snapshot import DbObject

Make = Callable[[Side, DbObject, o.Renderer], list[Statement]]

# kind: (create, drop, phase)
_KINDS: dict[str, tuple[Make, Make, int]] = {
    "schema": (o.create_schema, o.drop_schema, 0),
    "extension": (o.create_extension, o.drop_extension, 1),
    "enum": (o.create_enum, o.drop_type, 2),
    "domain": (o.create_domain, o.drop_type, 2),
    "composite type": (o.create_composite, o.drop_type, 2),
    "range type": (o.create_range, o.drop_type, 2),
    "sequence": (o.create_sequence, o.drop_sequence, 3),
    "table": (o.create_table, o.drop_table, 4),
    "column": (o.add_column, o.drop_column, 5),
    "constraint": (o.add_constraint, o.drop_constraint, 6),
    "index": (o.create_index, o.drop_index, 8),
    "function": (o.create_function, o.drop_function, 9),
    "procedure": (o.create_function, o.drop_function, 9),
    "aggregate": (o.create_function, o.drop_function, 9),
    "view": (o.create_view, o.drop_view, 10),
    "materialized view": (o.create_view, o.drop_view, 11),
    "trigger": (o.create_trigger, o.drop_trigger, 12),
    "policy": (o.create_policy, o.drop_policy, 13),
}
_FOREIGN_KEYS = 7
_OWNERSHIP = 14  # sequences owned by a column added in this revision
_HANGING = ("index", "trigger", "policy")  # created apart from their table (not by create_table)


@dataclass
class Step:
    title: str
    phase: int
    upgrade: list[Statement]
    downgrade: list[Statement]
    drop: bool = False  # runs among the drops (before every creation)
    name: str = ""  # the object created or dropped
    after: set[str] = field(default_factory=set)  # names created first (a table's FK parents)


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)

    def upgrade(self) -> list[Statement]:
        return [s for step in self.ordered() for s in _titled(step.title, step.upgrade)]

    def downgrade(self) -> list[Statement]:
        return [s for step in reversed(self.ordered()) for s in _titled(step.title, step.downgrade)]

    def ordered(self) -> list[Step]:
        drops = _by_dependency(sorted((s for s in self.steps if s.drop), key=lambda s: s.phase))
        others = sorted((s for s in self.steps if not s.drop), key=lambda s: s.phase)
        return list(reversed(drops)) + _by_dependency(others)


def _by_dependency(steps: list[Step]) -> list[Step]:
    """Each step after the steps of its phase it depends on (stable otherwise; a cycle keeps
    the given order, and the proof says what fails)."""
    placed: list[Step] = []
    pending = list(steps)
    while pending:
        names = {s.name for s in pending}
        ready = next((s for s in pending if not (s.after & names) - {s.name}), pending[0])
        placed.append(ready)
        pending.remove(ready)
    return placed


def _titled(title: str, statements: list[Statement]) -> list[Statement]:
    return [Comment(title), *statements] if statements else []


def plan_schema(differences: list[Difference], reference: Side, actual: Side) -> Plan:
    """The steps for every schema difference (rows are rows.py's)."""
    plan = Plan()
    render = o.Renderer()
    schema, changed = [], set()
    for d in differences:
        if d.object_kind == "row" or d.severity is Severity.INFO:
            continue
        if d.kind == CHANGED:  # one difference per attribute; one step per object
            if (d.object_kind, d.name) in changed:
                continue
            changed.add((d.object_kind, d.name))
        schema.append(d)
    for d in _renames(schema, reference, actual, plan):
        try:
            plan.steps.extend(object_steps(d, reference, actual, render))
        except o.Unsupported as exc:
            plan.unsupported.append(str(exc))
    plan.imports |= render.imports
    return plan


def _renames(
    differences: list[Difference], reference: Side, actual: Side, plan: Plan
) -> list[Difference]:
    """Turn missing + extra pairs that differ only by name into rename steps; return the rest."""
    rest = list(differences)
    for kind, keyword in (("constraint", "TABLE"), ("index", "INDEX")):
        missing = [d for d in rest if d.kind == MISSING and d.object_kind == kind]
        for d in missing:
            wanted = reference.snapshot.get(kind, d.name)
            assert wanted is not None
            twin = next(
                (
                    e
                    for e in rest
                    if e.kind == EXTRA
                    and e.object_kind == kind
                    and _same_but_name(wanted, actual.snapshot.get(kind, e.name))
                ),
                None,
            )
            if twin is None:
                continue
            old = actual.snapshot.get(kind, twin.name)
            assert old is not None
            new_name, old_name = d.name.rsplit(".", 1)[1], twin.name.rsplit(".", 1)[1]
            if kind == "constraint":
                up = o.rename_constraint(actual, old, new_name)
                down = o.rename_constraint(reference, wanted, old_name)
            else:
                up = o.rename(actual, keyword, old, new_name)
                down = o.rename(reference, keyword, wanted, old_name)
            title = f"{kind} {twin.name}: renamed to {new_name} as in the reference"
            plan.steps.append(Step(title, _KINDS[kind][2], up, down))
            rest = [x for x in rest if x is not d and x is not twin]
    return rest


def _same_but_name(wanted: DbObject, other: DbObject | None) -> bool:
    return (
        other is not None
        and other.parent == wanted.parent
        and {k: v for k, v in other.attrs.items() if k != "comment"}
        == {k: v for k, v in wanted.attrs.items() if k != "comment"}
    )


def object_steps(d: Difference, reference: Side, actual: Side, render: o.Renderer) -> list[Step]:
    if d.object_kind not in _KINDS:
        raise o.Unsupported(f"{d.object_kind} {d.name}: no repair for this kind of object")
    create, drop, phase = _KINDS[d.object_kind]
    if d.kind == CHANGED:
        return [_change(d, reference, actual, render)]
    side = reference if d.kind == MISSING else actual
    obj = side.snapshot.get(d.object_kind, d.name)
    assert obj is not None
    if obj.kind == "sequence" and o.identity_sequence(side, obj):
        return []
    if o.made_by_type(side, obj):  # created and dropped with its type
        return []
    if _is_foreign_key(obj):
        phase = _FOREIGN_KEYS
    made, unmade = create(side, obj, render), drop(side, obj, render)
    extra: list[Step] = []
    if obj.kind == "sequence" and not _owner_exists(obj, actual):
        made = made[:1]  # OWNED BY once the column exists (a later step)
        extra.append(Step(f"sequence {obj.name}: owned by its column", _OWNERSHIP, [], []))
        extra[-1].upgrade = o.create_sequence(side, obj)[1:]
    if obj.kind == "table":
        extra += _hanging(obj, side, d.kind, render)
    after = _parents(obj, side)
    if d.kind == MISSING:
        title = f"{d.object_kind} {d.name}: missing on a fresh database"
        return [Step(title, phase, made, unmade, name=obj.name, after=after), *extra]
    title = f"{d.object_kind} {d.name}: not in the reference"
    return [Step(title, phase, unmade, made, drop=True, name=obj.name, after=after), *extra]


def _parents(obj: DbObject, side: Side) -> set[str]:
    """The tables a table's foreign keys point at (created before it, dropped after it)."""
    if obj.kind != "table" or side.connection is None:
        return set()
    info = side.table_info().get(obj.name)
    return {fk.table for fk in info.foreign_keys} if info is not None else set()


def _hanging(table: DbObject, side: Side, kind: str, render: o.Renderer) -> list[Step]:
    """The indexes, triggers and policies of a table created or dropped as a whole."""
    steps = []
    for obj in side.snapshot.objects.values():
        if obj.kind in _HANGING and obj.parent == ("table", table.name):
            steps += object_steps(Difference(kind, obj.kind, obj.name), side, side, render)
    return steps


def _owner_exists(sequence: DbObject, actual: Side) -> bool:
    owned_by = sequence.attrs.get("owned_by")
    return not owned_by or actual.snapshot.get("column", owned_by) is not None


def _is_foreign_key(obj: DbObject) -> bool:
    return obj.kind == "constraint" and obj.attrs.get("type") == "foreign key"


def _change(d: Difference, reference: Side, actual: Side, render: o.Renderer) -> Step:
    """One changed object (all its differing attributes at once; see plan_schema's grouping)."""
    wanted = reference.snapshot.get(d.object_kind, d.name)
    current = actual.snapshot.get(d.object_kind, d.name)
    assert wanted is not None and current is not None
    attributes = {
        k
        for k in set(wanted.attrs) | set(current.attrs)
        if wanted.attrs.get(k) != current.attrs.get(k)
    } - {"column_order"}
    title = f"{d.object_kind} {d.name}: {', '.join(sorted(attributes))} as in the reference"
    phase = _KINDS[d.object_kind][2]
    kind = d.object_kind
    if attributes == {"comment"}:
        return Step(title, phase, [o.comment(reference, wanted)], [o.comment(actual, current)])
    if kind == "table" and attributes <= {"row_security", "comment"}:
        up = o.row_security(reference, wanted, current.attrs.get("row_security", "disabled"))
        down = o.row_security(actual, current, wanted.attrs.get("row_security", "disabled"))
        if "comment" in attributes:
            up, down = [*up, o.comment(reference, wanted)], [*down, o.comment(actual, current)]
        return Step(title, phase, up, down)
    if kind == "column":
        up = o.alter_column(reference, actual, wanted, attributes, render)
        down = o.alter_column(actual, reference, current, attributes, render)
    elif kind == "enum" and attributes == {"labels"}:
        up, down = o.alter_enum(reference, actual, wanted), o.alter_enum(actual, reference, current)
    elif kind == "sequence":
        up, down = o.alter_sequence(reference, wanted), o.alter_sequence(actual, current)
    elif kind == "view":
        up = o.create_view(reference, wanted, render, replace=True)
        down = o.create_view(actual, current, render, replace=True)
    elif kind in ("function", "procedure"):
        up, down = (
            o.create_function(reference, wanted, render),
            o.create_function(actual, current, render),
        )
    elif kind in ("constraint", "index", "trigger", "policy", "materialized view", "domain"):
        create, drop, phase = _KINDS[kind]
        phase = _FOREIGN_KEYS if _is_foreign_key(wanted) else phase
        up = drop(actual, current, render) + create(reference, wanted, render)
        down = drop(reference, wanted, render) + create(actual, current, render)
    else:
        raise o.Unsupported(f"{kind} {d.name}: {', '.join(sorted(attributes))} differ")
    return Step(title, phase, up, down)
