"""`--format junit`: a testsuite per check with a testcase per revision, for CI test tabs.

CI systems (GitLab, Jenkins, Azure, GitHub test reporters) show JUnit XML as tests: a
revision that failed to upgrade, or that a check blocks at the `--fail-on` level, is a failed
test named after the revision, and its file is the revision file. Findings below the gate are
kept in the testcase's system-out so nothing is lost.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from migcheck.model import Finding, RevisionResult, RunResult, Status, StepResult
from migcheck.report.common import HISTORY, Gate, describe, grouped

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class Case:
    name: str
    path: str | None = None
    seconds: float = 0.0
    failure: tuple[str, str, str] | None = None  # (type, message, text)
    skipped: str | None = None
    output: list[str] = field(default_factory=list)


def render(result: RunResult) -> str:
    root = ET.Element("testsuites", name=f"migcheck {result.command}")
    suites = [_suite(name, cases, result) for name, cases in _suites(result).items()]
    root.extend(suites)
    _set_totals(root, suites, result.duration_ms / 1000)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _suites(result: RunResult) -> dict[str, list[Case]]:
    """Replay steps first (upgrade, downgrade), then every check, alphabetically."""
    gate = Gate.of(result)
    suites: dict[str, list[Case]] = {}
    for direction in ("upgrade", "downgrade"):
        if any(getattr(r, direction) for r in result.revisions):
            suites[direction] = [
                _step_case(r, direction, gate) for r in result.revisions if _ran(r, direction)
            ]
    listed = result.extras.get("checks")
    checks = set(listed) if isinstance(listed, list) else set()
    checks.update(f.check or "findings" for f in result.findings)
    groups = grouped(result)
    for check in sorted(checks):
        suites[check] = [
            _findings_case(
                group.revision,
                [f for f in group.findings if (f.check or "findings") == check],
                gate,
                result,
            )
            for group in groups
        ]
    return suites


def _ran(revision: RevisionResult, direction: str) -> bool:
    step = getattr(revision, direction)
    return step is not None or (direction == "upgrade" and revision.status is Status.SKIPPED)


def _case_name(revision: RevisionResult | None) -> str:
    if revision is None:
        return HISTORY
    return f"{revision.revision} {revision.message}".strip()


def _step_case(revision: RevisionResult, direction: str, gate: Gate) -> Case:
    step: StepResult | None = getattr(revision, direction)
    case = Case(_case_name(revision), revision.path)
    if step is None:
        case.skipped = revision.skipped_because or "not run"
        return case
    case.seconds = step.duration_ms / 1000
    failure = step.failure
    if failure is None:
        return case
    text = "\n".join(
        line
        for line in (
            f"{direction} failed at {failure.path or revision.path}:{failure.line or ''}",
            failure.summary,
            f"statement: {failure.statement}" if failure.statement else "",
            failure.message,
        )
        if line
    )
    if gate.blocks(gate.failure_severity(revision)):
        case.failure = (failure.kind.value, failure.summary, text)
    else:
        case.output.append(text)
    return case


def _findings_case(
    revision: RevisionResult | None, findings: list[Finding], gate: Gate, result: RunResult
) -> Case:
    case = Case(_case_name(revision), revision.path if revision else None)
    blocking = [f for f in findings if gate.blocks(f.severity)]
    if blocking:
        first = blocking[0]
        text = "\n\n".join(describe(f, result) for f in blocking)
        case.failure = (first.code, first.message, text)
    case.output.extend(describe(f, result) for f in findings if f not in blocking)
    return case


def _suite(name: str, cases: list[Case], result: RunResult) -> ET.Element:
    suite = ET.Element("testsuite", name=name)
    for case in cases:
        element = ET.SubElement(
            suite,
            "testcase",
            classname=f"migcheck.{name}",
            name=_clean(case.name),
            time=f"{case.seconds:.3f}",
        )
        if case.path:
            element.set("file", case.path)
        if case.failure:
            kind, message, text = case.failure
            failure = ET.SubElement(element, "failure", type=kind, message=_clean(message))
            failure.text = _clean(text)
        elif case.skipped:
            ET.SubElement(element, "skipped", message=_clean(case.skipped))
        if case.output:
            ET.SubElement(element, "system-out").text = _clean("\n\n".join(case.output))
    _set_totals(suite, list(suite), sum(c.seconds for c in cases))
    if result.started_at:
        suite.set("timestamp", result.started_at)
    return suite


def _set_totals(element: ET.Element, children: list[ET.Element], seconds: float) -> None:
    """tests/failures/errors/skipped/time over testcases (or over suites, for the root)."""
    if element.tag == "testsuites":
        totals = {k: sum(int(c.get(k, "0")) for c in children) for k in _COUNTS}
    else:
        totals = {
            "tests": len(children),
            "failures": sum(c.find("failure") is not None for c in children),
            "errors": 0,
            "skipped": sum(c.find("skipped") is not None for c in children),
        }
    for key in _COUNTS:
        element.set(key, str(totals[key]))
    element.set("time", f"{seconds:.3f}")


_COUNTS = ("tests", "failures", "errors", "skipped")


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters; SQL and messages sometimes do."""
    return _XML_INVALID.sub("", text)
