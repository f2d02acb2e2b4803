"""Repair: the revision that brings a fresh replay to the reference, written and proved.

comparison (replay vs reference) → plan (schema steps + row steps) → Alembic writes the
revision into a staging version location → replay with it → diff must be empty → move in
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from migcheck.diff import Difference
from migcheck.diff.workflow import Against, Comparison, compared
from migcheck.errors import InputError
from migcheck.model import RevisionResult, Status
from migcheck.project import Project
from migcheck.repair import prove as proving
from migcheck.repair.objects import Unsupported
from migcheck.repair.plan import Plan, plan_schema
from migcheck.repair.pysource import body
from migcheck.repair.rows import plan_rows
from migcheck.repair.side import Side
from migcheck.replay.runner import ReplayOptions
from migcheck.server.base import Server

DEFAULT_MESSAGE = "repair: bring a fresh database to the reference"


@contextmanager
def sides(comparison: Comparison) -> Iterator[tuple[Side, Side]]:
    """The reference and the replay, readable while the comparison's databases exist."""
    reference = Side(comparison.reference.connection, comparison.reference_snapshot)
    actual = Side(comparison.connection, comparison.actual)
    try:
        yield reference, actual
    finally:
        reference.close()
        actual.close()


def make_plan(differences: list[Difference], reference: Side, actual: Side) -> Plan:
    plan = plan_schema(differences, reference, actual)
    try:
        plan.steps.extend(plan_rows(differences, reference, actual))
    except Unsupported as exc:
        plan.unsupported.append(str(exc))
    return plan


@dataclass
class Repair:
    reference: str  # as the user named it
    differences: list[Difference]
    plan: Plan
    text: str = ""  # the revision file
    revision: str = ""
    path: Path | None = None  # where it was written (None: dry run, or not proved)
    proof: proving.Proof | None = None
    failed: list[RevisionResult] | None = None  # revisions failing before any repair


def repair(
    project: Project,
    server: Server,
    replay_options: ReplayOptions,
    against: Against,
    message: str,
    rev_id: str | None,
    dry_run: bool,
) -> Repair:
    with compared(project, server, replay_options, against) as found:
        outcome = Repair(found.reference.source, found.differences, Plan())
        failed = [r for r in found.revisions if r.status is Status.FAILED]
        if failed:
            outcome.failed = failed
            return outcome
        with sides(found) as (reference, actual):
            outcome.plan = make_plan(found.differences, reference, actual)
        snapshot, options = found.reference_snapshot, found.options
    if not outcome.plan.steps or outcome.plan.unsupported:
        return outcome
    heads = sorted(project.script.get_heads())
    with proving.staged(project) as (staged, staging):
        script = proving.generate(
            staged,
            staging,
            message,
            rev_id,
            heads,
            upgrades=body(outcome.plan.upgrade()),
            downgrades=body(outcome.plan.downgrade()),
            imports="\n".join(sorted(outcome.plan.imports)),
        )
        outcome.revision = script.revision
        outcome.text = Path(script.path).read_text(encoding="utf-8")
        outcome.proof = proving.prove(
            staged, server, replay_options, snapshot, options, against.diff_options
        )
        if outcome.proof.ok and not dry_run:
            outcome.path = proving.move_in(script, proving.destination(project, heads))
    return outcome


def check_message(message: str) -> str:
    if not message.strip():
        raise InputError("--message is empty; say what the revision does")
    return message.strip()
