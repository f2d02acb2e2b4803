"""Round trip per revision, the "stairway" (MC2xx): upgrade, downgrade, upgrade again.

After a revision's upgrade has been applied (and snapshotted), its downgrade and a second
upgrade run between two Alembic steps, inside one transaction of ours that is rolled back
afterwards: the database goes back to exactly the first upgrade's result whatever the round
trip did (failed, left things behind), so every later revision still runs on what a plain
replay would give it. Sequences ignore transactions, so their positions are put back by hand.
Revisions that leave a transaction on purpose (`autocommit_block`) cannot be contained: their
round trip runs for real, and if it does not come back to the first upgrade's result the
revision's descendants are skipped rather than run on a database in an unknown state.

The second upgrade is not run when it is foregone: the round trip is contained, the
downgrade came back exactly (every object and row: the snapshot reads them all), and the
first upgrade only sent statements whose effects a snapshot sees (a SELECT counts as a read).
It would then run on the database the first one ran on, and the rollback already returns
the first one's result (a third of the round trip's work). Statements with effects beyond
the snapshot (roles, `DO` blocks, `CALL`, temporary tables, database settings) keep it.

Snapshots are compared at catalog level (every object kind `migcheck.snapshot` reads, enum
types, sequences, functions, triggers and indexes included) and on the rows of reference
tables, so the findings name each object a downgrade leaves behind or removes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import Script
from sqlalchemy import text
from sqlalchemy.engine import Connection

from migcheck.checks.failures import step_failure
from migcheck.diff.compare import DiffOptions, diff_snapshots
from migcheck.diff.difference import CHANGED, EXTRA, MISSING, Difference
from migcheck.model import (
    DML_KINDS,
    FailureKind,
    Finding,
    Location,
    RevisionResult,
    Severity,
    Status,
    StepResult,
    statement_kind,
    statement_text,
)
from migcheck.replay.capture import MAX_PARAMETERS
from migcheck.replay.session import Director, uses_autocommit
from migcheck.rules import Rule, register
from migcheck.snapshot import Snapshot

CHECK = "roundtrip"

DOWNGRADE_FAILED = register(
    Rule(
        code="MC201",
        name="downgrade-failed",
        severity=Severity.ERROR,
        summary="A revision's downgrade fails right after its upgrade",
        why="`alembic downgrade` is the rollback plan of a deploy; this one stops half-way.",
        bad='upgrade: op.add_column("t", c) / downgrade: op.drop_column("t", "c_old")',
        good="the downgrade undoes exactly what the upgrade did",
        fix="fix the downgrade, or raise NotImplementedError in it (or list the revision in "
        "[tool.migcheck] irreversible) if it must not be reversed",
    )
)
LEAVES_BEHIND = register(
    Rule(
        code="MC202",
        name="downgrade-leaves-behind",
        severity=Severity.ERROR,
        summary="A downgrade leaves behind an object (or rows) its upgrade created",
        why=(
            "The next upgrade then fails or silently reuses the leftover (a classic: the enum "
            "type of a dropped table), and the database is not the one the previous revision "
            "left."
        ),
        bad='upgrade: op.create_table("orders", sa.Column("s", sa.Enum(..., name="status")))'
        ' / downgrade: op.drop_table("orders")',
        good='downgrade: op.drop_table("orders"); sa.Enum(name="status").drop(op.get_bind())',
        fix="drop (or delete) in the downgrade what the upgrade created",
    )
)
REMOVES_TOO_MUCH = register(
    Rule(
        code="MC203",
        name="downgrade-removes-too-much",
        severity=Severity.ERROR,
        summary="A downgrade removes an object (or rows) that existed before the upgrade",
        why="Rolling back one revision destroys what earlier revisions built.",
        bad='upgrade: op.add_column("t", c) / downgrade: op.drop_table("t")',
        good='downgrade: op.drop_column("t", "c")',
        fix="remove in the downgrade only what the upgrade added",
    )
)
NOT_RESTORED = register(
    Rule(
        code="MC204",
        name="downgrade-does-not-restore",
        severity=Severity.ERROR,
        summary="After the downgrade, an object differs from what it was before the upgrade",
        why="The database after a rollback is not the one the previous revision produced.",
        bad="upgrade: alter_column(type_=BigInteger) / downgrade: pass",
        good="downgrade: alter_column(type_=Integer)",
        fix="restore in the downgrade the attribute the upgrade changed",
    )
)
REUPGRADE_FAILED = register(
    Rule(
        code="MC205",
        name="upgrade-fails-after-downgrade",
        severity=Severity.ERROR,
        summary="Upgrading again after the downgrade fails",
        why="Anyone who rolls back and re-deploys is stuck on this revision.",
        bad="the downgrade keeps the enum type, so CREATE TYPE fails on the second upgrade",
        good="upgrade, downgrade, upgrade all succeed",
        fix="make the downgrade undo everything the upgrade did (see the other findings of "
        "this revision)",
    )
)
REUPGRADE_DIFFERS = register(
    Rule(
        code="MC206",
        name="upgrade-differs-after-downgrade",
        severity=Severity.ERROR,
        summary="Upgrading again after the downgrade gives a different database",
        why="The schema (or reference data) then depends on whether a rollback ever happened.",
        bad="the downgrade leaves a column, so the second upgrade skips adding it with IF NOT "
        "EXISTS and its type differs",
        good="the second upgrade gives exactly what the first gave (when the downgrade came "
        "back exactly, an upgrade whose statements only touch objects and rows the snapshot "
        "reads is not run again, and one that sends the same SQL again is not compared "
        "again: rows stamped by now() or a sequence differ then by design)",
        fix="make the downgrade undo everything the upgrade did",
    )
)
IRREVERSIBLE = register(
    Rule(
        code="MC207",
        name="irreversible-downgrade",
        severity=Severity.INFO,
        summary="A revision's downgrade is irreversible on purpose",
        why="Rolling back past it needs a restore; it is listed so the team knows where.",
        bad="def downgrade(): raise NotImplementedError('data migration')",
        good="(nothing to fix; this is a record)",
        fix="nothing, if intended; otherwise write the downgrade",
    )
)

# Column order after re-adding a column is cosmetic; it is reported only against a reference.
_COMPARE = DiffOptions(column_order="ignore")


@dataclass
class RoundTrip:
    """What the round trip of one revision found; `intact` is False when the database could
    not be brought back to the first upgrade's result (descendants must not run on it)."""

    findings: list[Finding] = field(default_factory=list)
    downgrade: StepResult | None = None
    intact: bool = True


Snap = Callable[[], Snapshot]


def round_trip(
    director: Director,
    script: Script,
    revision: RevisionResult,
    before: Snapshot,
    after: Snapshot,
    snap: Snap,
    complete: bool = False,
) -> RoundTrip:
    """Downgrade and upgrade `script` again (DB at its first upgrade), comparing each stage.

    `complete`: the snapshots read every user object and row (no schema, table or kind left
    out), so one that came back exactly after the downgrade can make the second upgrade
    foregone (see the module docstring).
    """
    contained = not uses_autocommit(script)
    outer = rolled_back(director.connection) if contained else nullcontext()
    with outer, director.separate_invocation():
        return _run(director, script, revision, before, after, snap, contained, complete)


def irreversible_by_config(revision: RevisionResult) -> Finding:
    return _finding(
        IRREVERSIBLE,
        revision,
        f"{revision.revision}: downgrade not run (listed as irreversible in [tool.migcheck])",
        subject="downgrade",
    )


def _run(
    director: Director,
    script: Script,
    revision: RevisionResult,
    before: Snapshot,
    after: Snapshot,
    snap: Snap,
    contained: bool,
    complete: bool,
) -> RoundTrip:
    outcome = RoundTrip()
    down = _call(director, script, "downgrade", contained)
    outcome.downgrade = down
    if down.failure is not None:
        if down.failure.kind is FailureKind.IRREVERSIBLE:
            outcome.findings.append(
                _finding(
                    IRREVERSIBLE,
                    revision,
                    f"{revision.revision}: downgrade is irreversible ({down.failure.message})",
                    subject="downgrade",
                    line=down.failure.line,
                )
            )
        else:
            outcome.findings.append(step_failure(DOWNGRADE_FAILED, revision, down, CHECK))
        outcome.intact = contained  # without a savepoint a failure may leave it half-done
        return outcome
    left_over = diff_snapshots(before, snap(), _COMPARE)
    for difference in left_over:
        outcome.findings.append(
            _downgrade_difference(revision, difference, _def_line(script, "downgrade"))
        )
    if contained and complete and not left_over and _effects_seen(revision.upgrade):
        return outcome  # foregone: the rollback returns the first upgrade's result
    again = _call(director, script, "upgrade", contained)
    if again.failure is not None:
        outcome.findings.append(step_failure(REUPGRADE_FAILED, revision, again, CHECK))
        outcome.intact = contained
        return outcome
    if not left_over and _repeats(revision.upgrade, again):
        return outcome
    for difference in diff_snapshots(after, snap(), _COMPARE):
        outcome.findings.append(
            _finding(
                REUPGRADE_DIFFERS,
                revision,
                f"{revision.revision}: upgrading again after the downgrade gives a different "
                + difference.describe(reference="the first upgrade", actual="the second"),
                subject=_subject(difference),
                line=_def_line(script, "upgrade"),
            )
        )
    return outcome


def _repeats(first: StepResult | None, again: StepResult) -> bool:
    """Whether the second upgrade sent the server exactly what the first did: the same SQL
    with the same (whole, not shortened) parameters, in the same order.

    On a database the downgrade brought back exactly, the same statements build the same
    objects and rows, so the second upgrade needs no snapshot of its own (a third of the
    round trip's reads). What differs then can only come from volatile values (now(), a
    sequence's next id): a rollback's timing, not a defect.
    """
    if first is None or len(first.statements) != len(again.statements):
        return False
    return all(
        a.sql == b.sql and a.parameters == b.parameters and not _shortened(a.parameters)
        for a, b in zip(first.statements, again.statements, strict=True)
    )


def _effects_seen(step: StepResult | None) -> bool:
    """Whether every statement `step` sent only changes objects and rows a snapshot reads
    (sequence positions are put back by hand), or nothing that a second run could trip on
    (reads, grants, session settings)."""
    return step is not None and all(
        statement_kind(s.sql) in _WITHIN_SNAPSHOT
        or _SNAPSHOT_OBJECT.match(statement_text(s.sql)) is not None
        for s in step.statements
    )


_WITHIN_SNAPSHOT = frozenset(
    {*DML_KINDS, "SELECT", "TRUNCATE", "COMMENT", "GRANT", "REVOKE", "SET", "RESET", "SHOW"}
)
# Temporary tables are left out: they live in the session, beyond any snapshot.
_SNAPSHOT_OBJECT = re.compile(
    r"(?:CREATE|ALTER|DROP)\s+(?:OR\s+REPLACE\s+)?"
    r"(?:(?:UNIQUE|UNLOGGED|MATERIALIZED|RECURSIVE|CONSTRAINT)\s+)*"
    r"(?:TABLE|INDEX|VIEW|SEQUENCE|TYPE|DOMAIN|FUNCTION|PROCEDURE|AGGREGATE|TRIGGER|SCHEMA"
    r"|EXTENSION|POLICY)\b",
    re.IGNORECASE,
)


def _shortened(parameters: str | None) -> bool:
    return parameters is not None and len(parameters) >= MAX_PARAMETERS


def _call(director: Director, script: Script, direction: str, contained: bool) -> StepResult:
    conn = director.connection
    if not contained and conn.in_transaction():
        conn.commit()  # only our snapshot reads are open; autocommit_block needs none
    fn = script.module.upgrade if direction == "upgrade" else script.module.downgrade
    return director.call(script, direction, fn, StepResult(direction=direction, status=Status.OK))


def _downgrade_difference(revision: RevisionResult, d: Difference, line: int | None) -> Finding:
    what = f"{d.object_kind} {d.name}"
    if d.context:
        what = f"{what[:-1]}, {d.context})"
    if d.kind == EXTRA:
        rule, text = LEAVES_BEHIND, f"the downgrade leaves {what} behind"
    elif d.kind == MISSING:
        rule, text = REMOVES_TOO_MUCH, f"the downgrade removes {what}, which existed before"
    else:
        rule = NOT_RESTORED
        text = "the downgrade does not restore " + d.describe(
            reference="before the upgrade", actual="after it"
        )
    return _finding(rule, revision, f"{revision.revision}: {text}", subject=_subject(d), line=line)


def _subject(d: Difference) -> str:
    return f"{d.subject} {d.attribute}" if d.kind == CHANGED else d.subject


def _finding(
    rule: Rule, revision: RevisionResult, message: str, subject: str, line: int | None = None
) -> Finding:
    return Finding(
        code=rule.code,
        severity=rule.severity,
        message=message,
        location=Location(path=revision.path, line=line, revision=revision.revision),
        hint=rule.fix,
        check=CHECK,
        subject=subject,
    )


@contextmanager
def rolled_back(conn: Connection) -> Iterator[None]:
    """A transaction of ours (a savepoint when a read of ours already began one), rolled
    back at the end, sequences included: what runs inside leaves nothing behind."""
    transaction = conn.begin_nested() if conn.in_transaction() else conn.begin()
    positions = sequence_positions(conn)
    try:
        yield
    finally:
        transaction.rollback()
        restore_sequences(conn, positions)


def _def_line(script: Script, function: str) -> int | None:
    """Line of `def upgrade` / `def downgrade`: where a round-trip finding points."""
    match = re.search(rf"^def {function}\b", _source(script), re.MULTILINE)
    return _source(script).count("\n", 0, match.start()) + 1 if match else None


def _source(script: Script) -> str:
    return Path(script.path).read_text(encoding="utf-8", errors="replace")


def sequence_positions(conn: Connection) -> dict[str, tuple[int, bool]]:
    """Every sequence's (last_value, is_called): what a rolled-back transaction cannot undo.

    One catalog query whatever the number of sequences, since it runs around every round
    trip (reading each sequence relation would make a history's cost grow with its square).
    A sequence never called is taken to be at its start: exact unless setval(..., false)
    moved it and nothing called it since.
    """
    rows = conn.execute(text(_POSITIONS))
    return {name: (start if last is None else last, last is not None) for name, last, start in rows}


_POSITIONS = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       pg_sequence_last_value(c.oid), s.seqstart
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
"""


def restore_sequences(conn: Connection, saved: dict[str, tuple[int, bool]]) -> None:
    """Put back the positions of sequences that still exist and have moved."""
    for name, position in sequence_positions(conn).items():
        if name in saved and saved[name] != position:
            value, called = saved[name]
            conn.execute(
                text("SELECT setval(CAST(:name AS regclass), :value, :called)"),
                {"name": name, "value": value, "called": called},
            )
