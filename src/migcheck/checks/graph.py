"""Revision graph checks (MC1xx): heads, missing parents, cycles, duplicate ids, orphans.

The graph is read from the revision files as Alembic loads them (`ScriptDirectory`'s loader)
but analysed here rather than through Alembic's `RevisionMap`: the map raises on a cycle or a
missing down_revision and silently keeps one of two revisions sharing an id, while a gate
must name every such defect, with its file and line, and still work when the map cannot be
built. Merge points are facts, not defects: they are listed in the result, not reported.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import to_tuple

from migcheck.model import Finding, Location, Severity
from migcheck.rules import Rule, register

CHECK = "graph"

MULTIPLE_HEADS = register(
    Rule(
        code="MC101",
        name="multiple-heads",
        severity=Severity.ERROR,
        summary="The history has more than one head",
        why=(
            "`alembic upgrade head` refuses to run with several heads, and the order in which "
            "unmerged branches reach a database is left to chance."
        ),
        bad="b1 and c1 both revise a0, and nothing revises either of them",
        good="m2 = alembic merge b1 c1",
        fix="merge the heads (`alembic merge -m merge HEAD1 HEAD2`), or set "
        "allow_multiple_heads = true in [tool.migcheck] when the branches are independent",
    )
)
MISSING_DOWN_REVISION = register(
    Rule(
        code="MC102",
        name="missing-down-revision",
        severity=Severity.ERROR,
        summary="A revision revises (or depends on) a revision that does not exist",
        why="Alembic cannot load the history at all; every command fails until it is fixed.",
        bad='down_revision = "1f2e3d"  # no revision has this id',
        good="down_revision names an existing revision id",
        fix="point down_revision at the revision it follows, or restore the deleted file",
    )
)
REVISION_CYCLE = register(
    Rule(
        code="MC103",
        name="revision-cycle",
        severity=Severity.ERROR,
        summary="Revisions revise each other in a cycle",
        why="A cycle has no order to apply in; Alembic refuses to load the history.",
        bad='a1: down_revision = "c3" ... c3: down_revision = "b2" ... b2: down_revision = "a1"',
        good="every chain of down_revision ends at a base (down_revision = None)",
        fix="break the cycle: one of the revisions must revise the one really before it",
    )
)
DUPLICATE_REVISION = register(
    Rule(
        code="MC104",
        name="duplicate-revision-id",
        severity=Severity.ERROR,
        summary="Two revision files declare the same revision id",
        why=(
            "Alembic keeps one of the two and silently ignores the other, so its changes never "
            "reach any database."
        ),
        bad='two files with revision = "4c1d2e"',
        good="every file has its own id (`alembic revision` generates one)",
        fix="give one file a new revision id and re-point whatever revises it",
    )
)
UNREACHABLE_REVISION = register(
    Rule(
        code="MC105",
        name="unreachable-revision",
        severity=Severity.ERROR,
        summary="A revision cannot be reached from any base",
        why="Its ancestry is broken (a cycle or a missing revision), so it can never be applied.",
        bad="d4 revises c3, and c3 revises a revision that does not exist",
        good="every revision descends from a base",
        fix="repair the broken ancestor named in the message",
    )
)

_ASSIGNMENT = re.compile(r"^(revision|down_revision|depends_on)\b[^=\n]*=", re.MULTILINE)


@dataclass(frozen=True)
class Node:
    """One revision file as the graph sees it."""

    revision: str
    down_revisions: tuple[str, ...]
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]
    path: str
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def location(self, assignment: str = "revision") -> Location:
        line = self.lines.get(assignment) or self.lines.get("revision")
        return Location(path=self.path, line=line, revision=self.revision)


@dataclass
class GraphReport:
    findings: list[Finding]
    heads: list[str]
    merge_points: list[str]

    @property
    def broken(self) -> bool:
        """Whether the graph has no valid upgrade order (nothing can be replayed)."""
        return any(f.code != MULTIPLE_HEADS.code for f in self.findings)


def read_nodes(script: ScriptDirectory, relative: Callable[[str], str]) -> list[Node]:
    """Every revision file, in file order, without building Alembic's revision map."""
    nodes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "loaded twice" is reported by us when it matters
        scripts = list(script._load_revisions())
    for found in sorted(scripts, key=lambda s: s.path):
        source = Path(found.path).read_text(encoding="utf-8", errors="replace")
        lines = {}
        for match in _ASSIGNMENT.finditer(source):
            lines.setdefault(match.group(1), source.count("\n", 0, match.start()) + 1)
        nodes.append(
            Node(
                revision=found.revision,
                down_revisions=tuple(to_tuple(found.down_revision) or ()),
                depends_on=tuple(to_tuple(found.dependencies) or ()),
                branch_labels=tuple(sorted(found.branch_labels or ())),
                path=relative(found.path),
                lines=lines,
            )
        )
    return nodes


def check_graph(nodes: list[Node], allow_multiple_heads: bool = False) -> GraphReport:
    """Findings for every graph defect; heads and merge points for the result."""
    findings: list[Finding] = []
    by_id: dict[str, Node] = {}
    for node in nodes:
        first = by_id.setdefault(node.revision, node)
        if first is not node:
            findings.append(_duplicate(node, first))
    parents = {n.revision: _parents(n, by_id) for n in by_id.values()}
    missing = {n.revision: _missing(n, by_id) for n in by_id.values()}
    for revision, absent in missing.items():
        node = by_id[revision]
        for name, assignment in absent:
            findings.append(
                _finding(
                    MISSING_DOWN_REVISION,
                    node.location(assignment),
                    f"{revision} names {assignment} {name!r}, which no revision file declares",
                    subject=f"{assignment} {name}",
                )
            )
    cycles = _cycles(parents)
    for cycle in cycles:
        start = min(cycle, key=lambda r: by_id[r].path)
        chain = _cycle_order(start, set(cycle), parents)
        findings.append(
            _finding(
                REVISION_CYCLE,
                by_id[start].location("down_revision"),
                f"revisions revise each other in a cycle: {' -> '.join([*chain, start])}",
                subject="cycle " + ",".join(sorted(cycle)),
            )
        )
    broken = {r for r, absent in missing.items() if absent} | {r for c in cycles for r in c}
    for revision, cause in _unreachable(parents, broken).items():
        why = "revises a missing revision" if missing[cause] else "is in a cycle"
        findings.append(
            _finding(
                UNREACHABLE_REVISION,
                by_id[revision].location("down_revision"),
                f"{revision} cannot be reached from any base: its ancestor {cause} {why}",
                subject=f"unreachable via {cause}",
            )
        )
    referenced = {p for n in by_id.values() for p in n.down_revisions}
    heads = [n.revision for n in nodes if n.revision not in referenced and by_id[n.revision] is n]
    if len(heads) > 1 and not allow_multiple_heads and not findings:  # else heads mean little
        newest = by_id[heads[-1]]
        findings.append(
            _finding(
                MULTIPLE_HEADS,
                newest.location(),
                f"{len(heads)} heads: {', '.join(heads)}; `alembic upgrade head` refuses to run",
                subject="heads " + ",".join(sorted(heads)),
                hint=f"merge them: alembic merge -m 'merge heads' {' '.join(heads)}",
            )
        )
    merges = [n.revision for n in by_id.values() if len(n.down_revisions) > 1]
    return GraphReport(findings=findings, heads=heads, merge_points=merges)


def _parents(node: Node, by_id: dict[str, Node]) -> tuple[str, ...]:
    resolved = [p for p in node.down_revisions if p in by_id]
    resolved += [r for d in node.depends_on if (r := _resolve(d, by_id)) is not None]
    return tuple(dict.fromkeys(resolved))


def _missing(node: Node, by_id: dict[str, Node]) -> list[tuple[str, str]]:
    absent = [(p, "down_revision") for p in node.down_revisions if p not in by_id]
    absent += [(d, "depends_on") for d in node.depends_on if _resolve(d, by_id) is None]
    return absent


def _resolve(name: str, by_id: dict[str, Node]) -> str | None:
    """A depends_on entry: a revision id, a branch label, or a unique id prefix (as Alembic)."""
    if name in by_id:
        return name
    labelled = [n.revision for n in by_id.values() if name in n.branch_labels]
    if len(labelled) == 1:
        return labelled[0]
    prefixed = [r for r in by_id if r.startswith(name)]
    return prefixed[0] if len(prefixed) == 1 else None


def _cycles(parents: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Strongly connected components with a cycle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in parents:
        if root in index:
            continue
        work = [(root, iter(parents[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(parents[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in parents[node]:
                    found.append(sorted(component))
    return found


def _cycle_order(start: str, members: set[str], parents: dict[str, tuple[str, ...]]) -> list[str]:
    """The cycle as a chain of down_revision links from `start` back to it."""
    chain, current = [start], start
    while True:
        nxt = next(p for p in parents[current] if p in members)
        if nxt == start or nxt in chain:
            return chain
        chain.append(nxt)
        current = nxt


def _unreachable(parents: dict[str, tuple[str, ...]], broken: set[str]) -> dict[str, str]:
    """Revisions (not themselves broken) with a broken ancestor, each with one such ancestor."""
    cause: dict[str, str | None] = {}

    def visit(revision: str) -> str | None:
        stack = [revision]
        while stack:
            top = stack[-1]
            if top in cause:
                stack.pop()
                continue
            if top in broken:
                cause[top] = top
                stack.pop()
                continue
            pending = [p for p in parents[top] if p not in cause]
            if pending:  # no cycle among these: cycles are all in `broken`
                stack.extend(pending)
                continue
            cause[top] = next((c for p in parents[top] if (c := cause.get(p))), None)
            stack.pop()
        return cause[revision]

    return {r: c for r in parents if r not in broken and (c := visit(r)) is not None}


def _duplicate(node: Node, first: Node) -> Finding:
    return _finding(
        DUPLICATE_REVISION,
        node.location(),
        f"revision id {node.revision} is declared by {first.path} and again by {node.path}; "
        "Alembic keeps only one of them",
        subject=f"duplicate in {Path(node.path).name}",
    )


def _finding(rule: Rule, location: Location, message: str, subject: str, hint: str = "") -> Finding:
    return Finding(
        code=rule.code,
        severity=rule.severity,
        message=message,
        location=location,
        hint=hint or rule.fix,
        check=CHECK,
        subject=subject,
    )


def graph_extras(report: GraphReport) -> dict[str, list[str]]:
    """What the result records about the graph besides findings."""
    return {"heads": report.heads, "merge_points": report.merge_points}
