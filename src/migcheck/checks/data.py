"""Data migrations (MC3xx): what revisions that write rows do on a fresh database.

Four defects, each found where it can be proven rather than guessed:
- a child row inserted before its parent: the replay's foreign-key violation, explained with
  the child row, the parent key, and which later revision (if any) inserts that parent;
- a parent lookup that found nothing: a row inserted with NULL where a scalar sub-select
  `(SELECT id FROM parent WHERE name = 'x')` was to supply the parent, found again right
  after the revision by its literal values;
- an insert skipped on a fresh database (a guard that was false, or an INSERT ... SELECT
  that matched nothing): proven by rows the reference has and the replay lacks, or, without
  a reference, reported as a warning naming the statement;
- not idempotent: the upgrade re-run on top of its own result (in a savepoint rolled back
  afterwards) fails, or changes reference rows.

Which rows a revision means to insert is read from its file (lint's reader, so guarded inserts
that never ran are seen too) and, row by row, by `inserts.parse_inserts`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import Script
from sqlalchemy import text
from sqlalchemy.engine import Connection

from migcheck.checks.inserts import Insert, Lookup, Row, describe_row, parse_inserts
from migcheck.checks.roundtrip import restore_sequences, sequence_positions
from migcheck.diff.compare import diff_snapshots
from migcheck.diff.difference import CHANGED, EXTRA, MISSING, Difference
from migcheck.lint import sql as lint_sql
from migcheck.lint.facts import Kind, Site
from migcheck.lint.source import read_revision
from migcheck.model import (
    DML_KINDS,
    Failure,
    FailureKind,
    Finding,
    Location,
    RevisionResult,
    Severity,
    Statement,
    Status,
    StepResult,
    statement_kind,
)
from migcheck.replay.session import Director, uses_autocommit
from migcheck.rules import Rule, register
from migcheck.snapshot import Snapshot

CHECK = "data"

CHILD_BEFORE_PARENT = register(
    Rule(
        code="MC301",
        name="child-row-before-parent",
        severity=Severity.ERROR,
        summary="A data migration inserts a child row before its parent exists",
        why=(
            "It worked on the developer's database, where the parent had been added by hand "
            "or by a revision that runs later; on a fresh database the history stops here."
        ),
        bad="INSERT INTO colors (name_en, parent_color_id) VALUES ('Off-white', 7)  -- 7: White",
        good="insert 'White' first (same or earlier revision), then look it up: "
        "(SELECT id FROM colors WHERE name_en = 'White')",
        fix="insert the parent in this revision or an earlier one, and look it up by its "
        "natural key instead of a hard-coded id",
    )
)
NULL_PARENT_LOOKUP = register(
    Rule(
        code="MC302",
        name="parent-lookup-found-nothing",
        severity=Severity.ERROR,
        summary="A row was inserted with a NULL parent because its parent lookup found no row",
        why="Nothing fails, so the orphan row reaches every fresh database silently.",
        bad="VALUES ('Indigo', (SELECT id FROM colors WHERE name_en = 'Blue'))  -- no 'Blue'",
        good="insert 'Blue' first, or make the column NOT NULL so a missing parent fails",
        fix="insert the parent before the child (in this or an earlier revision)",
    )
)
SKIPPED_ON_FRESH_DATABASE = register(
    Rule(
        code="MC303",
        name="skipped-on-fresh-database",
        severity=Severity.ERROR,
        summary="A data migration inserts nothing on a fresh database; the reference has the rows",
        why=(
            "A guard (`if parent_exists(...)`) or a conditional INSERT ... SELECT made the "
            "migration idle on a fresh database, so fresh environments lack reference rows "
            "that the developer's database has."
        ),
        bad="if color_exists(conn, 'White'): op.execute(\"INSERT ... 'Off-white' ...\")",
        good="insert 'White' (the parent) first, then 'Off-white' unconditionally",
        fix="insert the missing parents first and drop the guard, so the rows always land",
    )
)
INSERT_DID_NOTHING = register(
    Rule(
        code="MC304",
        name="insert-did-nothing",
        severity=Severity.WARNING,
        summary="A data migration's INSERT of literal rows inserted nothing on a fresh database",
        why=(
            "The rows it spells out never reach a fresh database: its guard was false or its "
            "SELECT matched nothing (run with --reference to see which rows are missing)."
        ),
        bad="INSERT INTO colors (name_en) SELECT 'Indigo' WHERE EXISTS (... 'Blue' ...)",
        good="INSERT INTO colors (name_en) VALUES ('Indigo')  -- after 'Blue' is inserted",
        fix="make sure what the insert depends on exists first, then insert unconditionally",
    )
)
RERUN_FAILS = register(
    Rule(
        code="MC305",
        name="data-migration-rerun-fails",
        severity=Severity.WARNING,
        summary="Running a data migration's upgrade a second time fails",
        why="A retry after a partial failure (or a re-applied revision) stops here.",
        bad="INSERT INTO colors (name_en) VALUES ('Red')  -- unique name_en",
        good="INSERT ... ON CONFLICT (name_en) DO NOTHING",
        fix="make the statement idempotent (ON CONFLICT DO NOTHING, WHERE NOT EXISTS, ...)",
    )
)
RERUN_CHANGES_DATA = register(
    Rule(
        code="MC306",
        name="data-migration-not-idempotent",
        severity=Severity.WARNING,
        summary="Running a data migration's upgrade a second time changes data",
        why="A retry after a partial failure would duplicate or corrupt rows.",
        bad="INSERT INTO colors (name_en) VALUES ('Red')  -- no unique key: a second 'Red'",
        good="INSERT ... WHERE NOT EXISTS (SELECT 1 FROM colors WHERE name_en = 'Red')",
        fix="make the statement idempotent (ON CONFLICT DO NOTHING, WHERE NOT EXISTS, ...)",
    )
)
RERUN_FAILS_ON_DDL = register(
    Rule(
        code="MC307",
        name="data-migration-rerun-fails-on-ddl",
        severity=Severity.INFO,
        summary="A data migration cannot run twice because of its own DDL",
        why="Its schema change fails first on a second run, so idempotency of its data is moot.",
        bad='op.create_table("sizes", ...); op.bulk_insert(sizes, [...])',
        good="(usually fine: the revision runs in one transaction)",
        fix="nothing, if the revision always runs in one transaction",
    )
)

_CAPTURED = Site(phase="upgrade")  # where a replayed statement sits is irrelevant here
_FK_DETAIL = re.compile(
    r'Key \((?P<columns>.+?)\)=\((?P<values>.*)\) is not present in table "(?P<table>[^"]+)"'
)


@dataclass(frozen=True)
class DeclaredInsert:
    """An INSERT an upgrade() spells out, whether or not it ran."""

    schema: str | None
    table: str
    first: int  # lines of the call that issues it
    last: int
    guarded: bool
    rows: tuple[Row, ...] = ()  # literal rows of SQL inserts, column by column
    literals: frozenset[str] = frozenset()  # op.bulk_insert: the literal values only
    insert: Insert | None = None

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    @property
    def literal(self) -> bool:
        """Reference rows spelled out (not copied from another table, not upserted)."""
        if self.insert is None:
            return bool(self.literals)
        return bool(self.rows) and not self.insert.on_conflict

    def targets(self, schema: str | None, table: str) -> bool:
        return self.table == table and (self.schema is None or schema in (None, self.schema))

    def inserts(self, wanted: dict[str, str]) -> bool:
        """Whether one of its rows has these column values (bulk inserts: these literals)."""
        if self.insert is None:
            return set(wanted.values()) <= self.literals
        return any(all(_text(row, c) == v for c, v in wanted.items()) for row in self.rows)

    def ran(self, step: StepResult) -> bool:
        """Whether a captured INSERT came from its lines (unknown lines count as ran)."""
        inserts = [s for s in step.statements if statement_kind(s.sql) == "INSERT"]
        return any(s.line is None or self.first <= s.line <= self.last for s in inserts)


@dataclass
class Revisions:
    """The revisions of a run with what they declare, for searches across the history."""

    results: list[RevisionResult]
    declared: dict[str, list[DeclaredInsert]] = field(default_factory=dict)
    ancestors: dict[str, frozenset[str]] = field(default_factory=dict)

    def later(self, revision: str) -> list[RevisionResult]:
        """Revisions that are not ancestors of `revision` (they may run after it)."""
        before = self.ancestors.get(revision, frozenset()) | {revision}
        return [r for r in self.results if r.revision not in before]

    def inserter(
        self, candidates: Iterable[RevisionResult], schema: str | None, table: str, wanted: dict
    ) -> tuple[RevisionResult, DeclaredInsert] | None:
        for candidate in candidates:
            for declared in self.declared.get(candidate.revision, ()):
                if declared.targets(schema, table) and declared.inserts(wanted):
                    return candidate, declared
        return None


def declared_inserts(path: Path, display: str) -> list[DeclaredInsert]:
    """Every INSERT (SQL or op.bulk_insert) of a revision's upgrade, from its source.

    Most revisions insert nothing, and reading one costs a parse: a file that never says
    "insert" (any case: SQL, `op.bulk_insert`, `table.insert()`) is not parsed."""
    try:
        if "insert" not in path.read_text(encoding="utf-8", errors="replace").lower():
            return []
    except OSError:
        pass  # read_revision says what is wrong with it
    facts = read_revision(path, display)
    found = []
    for action in facts.upgrade(Kind.INSERT):
        if action.table is None:
            continue
        site = action.site
        parsed = [i for i in parse_inserts(action.sql or "") if i.table == action.table.name]
        if action.sql is not None and not parsed:
            continue
        found.append(
            DeclaredInsert(
                schema=action.table.schema,
                table=action.table.name,
                first=site.first or action.line or 0,
                last=site.last or action.line or 0,
                guarded=site.guarded,
                rows=parsed[0].rows if parsed else (),
                literals=frozenset() if parsed else action.literals,
                insert=parsed[0] if parsed else None,
            )
        )
    return found


# --- 3a: child before parent ------------------------------------------------------------------


def explain_fk_violation(
    conn: Connection, revision: RevisionResult, revisions: Revisions
) -> Finding | None:
    """MC301 for an upgrade that failed on a foreign key; runs right after the failure."""
    step = revision.upgrade
    failure = step.failure if step is not None else None
    if failure is None or failure.kind is not FailureKind.FOREIGN_KEY_VIOLATION:
        return None
    match = _FK_DETAIL.search(failure.detail or "")
    if match is None:
        return None
    columns = [c.strip() for c in match["columns"].split(",")]
    values = [v.strip() for v in match["values"].split(",")]
    if len(columns) != len(values):
        columns, values = [match["columns"]], [match["values"]]
    child = ".".join(p for p in (failure.schema, failure.table) if p)
    parent, referenced = _referenced(conn, failure, child, match["table"])
    key = dict(zip(referenced or columns, values, strict=False))
    row = _failing_row(failure, dict(zip(columns, values, strict=True)))
    schema, _, table = parent.rpartition(".")
    inserter = revisions.inserter(revisions.later(revision.revision), schema or None, table, key)
    key_text = ", ".join(f"{c}={v}" for c, v in key.items())
    message = (
        f"{revision.revision}: child row inserted before its parent: {child}"
        + (f" row ({row})" if row else "")
        + f" references {parent} {key_text}, which does not exist at this point; "
        + _inserted_by(inserter, revision)
    )
    return Finding(
        code=CHILD_BEFORE_PARENT.code,
        severity=CHILD_BEFORE_PARENT.severity,
        message=message,
        location=Location(
            path=failure.path or revision.path, line=failure.line, revision=revision.revision
        ),
        hint=CHILD_BEFORE_PARENT.fix,
        check=CHECK,
        subject=f"row {child}({row})" if row else f"parent {parent}({key_text})",
        sql=failure.statement,
        details={
            "child_table": child,
            "parent_table": parent,
            "parent_key": key,
            "inserted_by": inserter[0].revision if inserter else None,
        },
    )


def _referenced(
    conn: Connection, failure: Failure, child: str, detail_table: str
) -> tuple[str, list[str]]:
    """The parent table and its referenced columns: from the constraint when it still exists
    (it may have been created by the failed, rolled-back revision), else the parent's
    primary key."""
    if failure.constraint and child:
        found = conn.execute(
            text(
                "SELECT c.confrelid::regclass::text, array_agg(a.attname ORDER BY k.n) "
                "FROM pg_constraint c, unnest(c.confkey) WITH ORDINALITY AS k(attnum, n), "
                "pg_attribute a WHERE c.conname = :name AND c.conrelid = to_regclass(:child) "
                "AND a.attrelid = c.confrelid AND a.attnum = k.attnum GROUP BY 1"
            ),
            {"name": failure.constraint, "child": child},
        ).first()
        if found is not None:
            return _qualified(conn, found[0]), list(found[1])
    same = failure.table == detail_table and failure.schema
    parent = f"{failure.schema}.{detail_table}" if same else detail_table
    primary = conn.execute(
        text(
            "SELECT array_agg(a.attname ORDER BY a.attnum) FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            "WHERE i.indrelid = to_regclass(:parent) AND i.indisprimary"
        ),
        {"parent": parent},
    ).scalar()
    return parent, list(primary or [])


def _qualified(conn: Connection, regclass_text: str) -> str:
    """schema.table for a regclass rendered (schema omitted when on the search path)."""
    return (
        conn.execute(
            text(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(:name)"
            ),
            {"name": regclass_text},
        ).scalar()
        or regclass_text
    )


def _failing_row(failure: Failure, key: dict[str, str]) -> str:
    """The failing statement's row holding the missing key, described by its values."""
    for insert in parse_inserts(failure.statement or ""):
        rows = [r for r in insert.rows if all(_text(r, c) == v for c, v in key.items())]
        if len(rows) == 1:
            return describe_row(rows[0])
    return ""


def _inserted_by(found: tuple[RevisionResult, DeclaredInsert] | None, child: RevisionResult) -> str:
    if found is None:
        return "no revision inserts that parent"
    revision, declared = found
    return (
        f"revision {revision.revision} ({revision.path}:{declared.first}) inserts it, but "
        f"runs after {child.revision}"
    )


# --- 3b: parent lookup found nothing ----------------------------------------------------------


def null_lookups(conn: Connection, revision: RevisionResult, revisions: Revisions) -> list[Finding]:
    """MC302 for rows this revision inserted whose parent lookup gave NULL (run right after)."""
    step = revision.upgrade
    if step is None or step.status is not Status.OK:
        return []
    findings = []
    for statement in step.statements:
        if statement.failed or not statement.rowcount or statement_kind(statement.sql) != "INSERT":
            continue
        for insert in parse_inserts(statement.sql):
            for row in insert.rows:
                for column, value in row.items():
                    if value.lookup is not None and _inserted_with_null(conn, insert, row, column):
                        findings.append(
                            _null_lookup(revision, statement, insert, row, column, revisions)
                        )
    return findings


def _inserted_with_null(conn: Connection, insert: Insert, row: Row, column: str) -> bool:
    literal = [(c, v.sql) for c, v in row.items() if v.literal]
    if not literal:
        return False  # nothing to find the row by
    conditions = " AND ".join(f"{_quote(c)} IS NOT DISTINCT FROM {sql}" for c, sql in literal)
    table = ".".join(_quote(p) for p in (insert.schema, insert.table) if p)
    query = f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {_quote(column)} IS NULL AND {conditions})"
    return bool(conn.exec_driver_sql(query).scalar())


def _null_lookup(
    revision: RevisionResult,
    statement: Statement,
    insert: Insert,
    row: Row,
    column: str,
    revisions: Revisions,
) -> Finding:
    lookup = row[column].lookup
    assert lookup is not None
    shown = describe_row(row, tuple(c for c, v in row.items() if v.literal))
    parent = revisions.inserter(
        revisions.later(revision.revision), lookup.schema, lookup.table, dict(lookup.keys)
    )
    later = _inserted_by(parent, revision) if lookup.keys else ""
    return Finding(
        code=NULL_PARENT_LOOKUP.code,
        severity=NULL_PARENT_LOOKUP.severity,
        message=(
            f"{revision.revision}: {insert.name} row ({shown}) was inserted with {column} NULL: "
            f"its parent lookup {row[column].sql} found no row" + (f"; {later}" if later else "")
        ),
        location=Location(path=revision.path, line=statement.line, revision=revision.revision),
        hint=NULL_PARENT_LOOKUP.fix,
        check=CHECK,
        subject=f"row {insert.name}({shown}) {column}",
        sql=statement.sql,
        details={
            "lookup": _lookup_text(lookup),
            "inserted_by": parent[0].revision if parent else None,
        },
    )


def _lookup_text(lookup: Lookup) -> str:
    keys = ", ".join(f"{c}={v!r}" for c, v in lookup.keys)
    return f"{lookup.name}({keys})"


# --- 3c: skipped on a fresh database ----------------------------------------------------------


def did_nothing(revision: RevisionResult, declared: Sequence[DeclaredInsert]) -> list[Finding]:
    """MC304 (no reference to prove rows missing): guarded literal inserts that did not run,
    and executed literal inserts that inserted no row."""
    step = revision.upgrade
    if step is None or step.status is not Status.OK:
        return []
    findings = []
    written = _written_tables(step)
    for insert in declared:
        skipped = insert.guarded and insert.literal and not insert.ran(step)
        if skipped and not any(insert.targets(schema, table) for schema, table in written):
            findings.append(
                _did_nothing(revision, insert.first, insert.name, "its guard skipped it")
            )
    for statement in step.statements:
        if statement.failed or statement.rowcount != 0:
            continue
        for parsed in parse_inserts(statement.sql):
            if parsed.rows and not parsed.on_conflict:
                findings.append(
                    _did_nothing(revision, statement.line, parsed.name, "it affected no rows")
                )
    return findings


def _did_nothing(revision: RevisionResult, line: int | None, table: str, why: str) -> Finding:
    return Finding(
        code=INSERT_DID_NOTHING.code,
        severity=INSERT_DID_NOTHING.severity,
        message=(
            f"{revision.revision}: the INSERT INTO {table} inserted nothing on a fresh database "
            f"({why}); its rows are missing from every new database"
        ),
        location=Location(path=revision.path, line=line, revision=revision.revision),
        hint=INSERT_DID_NOTHING.fix,
        check=CHECK,
        subject=f"insert {table}",
    )


def _written_tables(step: StepResult) -> set[tuple[str | None, str]]:
    """Tables the step's executed INSERTs wrote to (bound parameters allowed)."""
    tables = set()
    for statement in step.statements:
        if statement.failed or statement_kind(statement.sql) != "INSERT":
            continue
        for parsed in lint_sql.parse(statement.sql, None, _CAPTURED, in_file=False):
            tables |= {
                (a.table.schema, a.table.name)
                for a in parsed.actions
                if a.kind is Kind.INSERT and a.table is not None
            }
    return tables


def skipped_rows(
    missing: list[Difference], reference: Snapshot, revisions: Revisions
) -> tuple[list[Finding], list[Difference]]:
    """MC303: reference rows the replay lacks because the insert meant for them was skipped.

    Returns the findings and the differences they do not explain.
    """
    grouped: dict[tuple[str, int], list[Difference]] = {}
    places: dict[tuple[str, int], tuple[RevisionResult, DeclaredInsert]] = {}
    unexplained = []
    for difference in missing:
        skipped = _skipped_insert(difference, reference, revisions)
        if skipped is None:
            unexplained.append(difference)
            continue
        key = (skipped[0].revision, skipped[1].first)
        grouped.setdefault(key, []).append(difference)
        places[key] = skipped
    findings = []
    for key, rows in grouped.items():
        revision, declared = places[key]
        why = (
            "its guard skipped it" if not declared.ran(revision.upgrade) else "it affected no rows"
        )
        labels = "; ".join(_row_label(d) for d in rows)
        findings.append(
            Finding(
                code=SKIPPED_ON_FRESH_DATABASE.code,
                severity=SKIPPED_ON_FRESH_DATABASE.severity,
                message=(
                    f"{revision.revision}: skipped on a fresh database ({why}): the INSERT INTO "
                    f"{declared.name} leaves {len(rows)} reference row(s) missing: {labels}"
                ),
                location=Location(
                    path=revision.path, line=declared.first, revision=revision.revision
                ),
                hint=SKIPPED_ON_FRESH_DATABASE.fix,
                check=CHECK,
                subject=f"insert {declared.name}",
                details={"rows": [d.name for d in rows]},
            )
        )
    return findings, unexplained


def _skipped_insert(
    difference: Difference, reference: Snapshot, revisions: Revisions
) -> tuple[RevisionResult, DeclaredInsert] | None:
    """The declared insert of this missing row, if it ran without effect (or not at all)."""
    rows = reference.data.get(difference.table or "")
    values = rows.rows.get(difference.row or "") if rows is not None else None
    if rows is None or values is None:
        return None
    wanted = {c: values[c] for c in rows.key_columns if values.get(c) is not None}
    if not wanted:
        return None
    schema, _, table = (difference.table or "").rpartition(".")
    ran = [r for r in revisions.results if r.upgrade is not None and r.status is Status.OK]
    found = revisions.inserter(ran, schema or None, table, wanted)
    if found is None:
        return None
    revision, declared = found
    step = revision.upgrade
    assert step is not None
    executed = [
        s
        for s in step.statements
        if s.line is not None and declared.first <= s.line <= declared.last and not s.failed
    ]
    if not declared.ran(step) or (executed and all(s.rowcount == 0 for s in executed)):
        return found
    return None


def _row_label(d: Difference) -> str:
    name = d.name
    return f"{name[:-1]}, {d.context})" if d.context else name


# --- 3d: not idempotent -----------------------------------------------------------------------


def rerun(
    director: Director,
    script: Script,
    revision: RevisionResult,
    after: Snapshot,
    snap: Callable[[], Snapshot],
) -> list[Finding]:
    """Run the upgrade again on its own result, in a savepoint rolled back afterwards."""
    step = revision.upgrade
    if step is None or not step.dml_statements or uses_autocommit(script):
        return []
    conn = director.connection
    saved = sequence_positions(conn)
    seen: list[Snapshot] = []
    original = script.module.upgrade

    def again(**kw: object) -> None:
        original(**kw)
        seen.append(snap())

    with director.separate_invocation():
        result = director.call(
            script, "upgrade", again, StepResult(direction="upgrade", status=Status.OK), keep=False
        )
    restore_sequences(conn, saved)
    if result.failure is not None:
        return [_rerun_failed(revision, result)]
    changes = [d for d in diff_snapshots(after, seen[0]) if d.object_kind == "row"]
    return [_rerun_changed(revision, table, rows) for table, rows in _by_table(changes).items()]


def _rerun_failed(revision: RevisionResult, result: StepResult) -> Finding:
    failure = result.failure
    assert failure is not None
    ddl = failure.statement is not None and statement_kind(failure.statement) not in DML_KINDS
    rule = RERUN_FAILS_ON_DDL if ddl else RERUN_FAILS
    return Finding(
        code=rule.code,
        severity=rule.severity,
        message=f"{revision.revision}: running the upgrade a second time fails: {failure.summary}",
        location=Location(
            path=failure.path or revision.path, line=failure.line, revision=revision.revision
        ),
        hint=rule.fix,
        check=CHECK,
        subject=f"rerun {failure.kind.value}",
        sql=failure.statement,
    )


def _by_table(changes: list[Difference]) -> dict[str, list[Difference]]:
    grouped: dict[str, list[Difference]] = {}
    for d in changes:
        grouped.setdefault(d.table or d.name, []).append(d)
    return grouped


def _rerun_changed(revision: RevisionResult, table: str, rows: list[Difference]) -> Finding:
    added = sorted({_row_label(d) for d in rows if d.kind == EXTRA})
    changed = sorted({_row_label(d) for d in rows if d.kind == CHANGED})
    removed = sorted({_row_label(d) for d in rows if d.kind == MISSING})
    parts = [
        f"{len(names)} row(s) {verb} ({'; '.join(names[:3])}{'; ...' if len(names) > 3 else ''})"
        for verb, names in (("added", added), ("changed", changed), ("removed", removed))
        if names
    ]
    return Finding(
        code=RERUN_CHANGES_DATA.code,
        severity=RERUN_CHANGES_DATA.severity,
        message=(
            f"{revision.revision}: running the upgrade a second time changes {table}: "
            + ", ".join(parts)
        ),
        location=Location(path=revision.path, revision=revision.revision),
        hint=RERUN_CHANGES_DATA.fix,
        check=CHECK,
        subject=f"table {table}",
        details={"added": added, "changed": changed, "removed": removed},
    )


def _text(row: Row, column: str) -> str | None:
    value = row.get(column)
    return value.text if value is not None and value.literal else None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
