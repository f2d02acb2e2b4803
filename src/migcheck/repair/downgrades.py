"""`repair --downgrades`: what a revision's downgrade leaves behind, dropped at its end.

The round trip (checks/roundtrip.py) names each object a downgrade leaves behind (MC202);
a second replay reads those objects as they stand after their revision's upgrade, and the
drop of each (in dependency order: what depends on others first) is appended to the
revision's `downgrade()`. The patched files are proved by the same round trip, on copies of
the version folders; the project's files are only ever printed a patch for.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from migcheck.checks.pipeline import RunOptions, run_checks
from migcheck.checks.roundtrip import LEAVES_BEHIND
from migcheck.diff import EXTRA, Difference
from migcheck.diff.workflow import replay_history
from migcheck.model import Finding
from migcheck.project import Project
from migcheck.repair import prove as proving
from migcheck.repair.objects import Renderer, Unsupported
from migcheck.repair.plan import Plan, object_steps
from migcheck.repair.pysource import INDENT, Statement, body
from migcheck.repair.side import Side
from migcheck.replay.runner import ReplayOptions
from migcheck.server.base import Server
from migcheck.snapshot import KINDS, SnapshotOptions

_CHECKS = frozenset({"roundtrip"})


@dataclass
class Patch:
    revision: str
    path: Path
    old: str
    new: str
    subjects: list[str]

    def diff(self, shown: str) -> str:
        return "".join(
            difflib.unified_diff(
                self.old.splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                f"a/{shown}",
                f"b/{shown}",
            )
        )


@dataclass
class DowngradeRepair:
    patches: list[Patch] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)  # round trip after the patches


def leftovers(project: Project, server: Server, replay: ReplayOptions) -> list[Finding]:
    result = run_checks(project, server, RunOptions(replay=replay, checks=_CHECKS))
    return [f for f in result.findings if f.code == LEAVES_BEHIND.code]


def parse_subject(subject: str) -> tuple[str, str]:
    """`enum s.color_family` → ("enum", "s.color_family")."""
    for kind in sorted((*KINDS, "row"), key=len, reverse=True):
        if subject.startswith(kind + " "):
            return kind, subject[len(kind) + 1 :]
    raise Unsupported(f"{subject}: not an object migcheck can name")


def repair_downgrades(project: Project, server: Server, replay: ReplayOptions) -> DowngradeRepair:
    outcome = DowngradeRepair()
    found = leftovers(project, server, replay)
    if not found:
        return outcome
    wanted: dict[str, list[tuple[str, str]]] = {}
    for finding in found:
        revision = finding.location.revision or ""
        try:
            kind, name = parse_subject(finding.subject or "")
        except Unsupported as exc:
            outcome.unsupported.append(str(exc))
            continue
        if kind == "row":
            outcome.unsupported.append(f"{revision}: leaves rows behind ({name}); delete by hand")
            continue
        wanted.setdefault(revision, []).append((kind, name))
    kinds = sorted({k for pairs in wanted.values() for k, _ in pairs})
    options = SnapshotOptions(kinds=kinds)
    history = dict(replay_history(project, server, replay, options))
    for revision, pairs in wanted.items():
        try:
            outcome.patches.append(_patch(project, revision, pairs, Side(None, history[revision])))
        except Unsupported as exc:
            outcome.unsupported.append(str(exc))
    if outcome.patches:
        texts = {str(p.path): p.new for p in outcome.patches}
        with proving.patched(project, texts) as copy:
            remaining = run_checks(copy, server, RunOptions(replay=replay, checks=_CHECKS))
        patched = {p.revision for p in outcome.patches}
        outcome.remaining = [f for f in remaining.findings if f.location.revision in patched]
    return outcome


def _patch(project: Project, revision: str, pairs: list[tuple[str, str]], after: Side) -> Patch:
    script = project.script.get_revision(revision)
    assert script is not None
    path = Path(script.path)
    plan = Plan()
    render = Renderer()
    for kind, name in pairs:
        for step in object_steps(Difference(EXTRA, kind, name), after, after, render):
            step.title = f"the upgrade creates {kind} {name}: drop it too"
            plan.steps.append(step)
    plan.imports |= render.imports
    if plan.imports:
        raise Unsupported(f"{revision}: the drops need imports ({', '.join(plan.imports)})")
    old = path.read_text(encoding="utf-8")
    added = plan.upgrade()
    return Patch(revision, path, old, _append(old, added, path), [f"{k} {n}" for k, n in pairs])


def _append(text: str, statements: list[Statement], path: Path) -> str:
    """`text` with the statements at the end of `def downgrade()` (replacing a lone `pass`)."""
    tree = ast.parse(text)
    function = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "downgrade"), None
    )
    if function is None:
        raise Unsupported(f"{path}: no top-level def downgrade() to patch")
    lines = text.splitlines(keepends=True)
    depth = function.body[0].col_offset // len(INDENT)
    block = INDENT * depth + body(statements, depth) + "\n"
    last = function.body[-1]
    end = last.end_lineno or last.lineno
    if isinstance(last, ast.Pass):
        return "".join(lines[: last.lineno - 1]) + block + "".join(lines[end:])
    return "".join(lines[:end]) + block + "".join(lines[end:])
