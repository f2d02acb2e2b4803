"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and any other SARIF viewer.

Each finding is a result at its revision file and line; the rule metadata (summary, why,
bad and good examples, fix) comes from the rule catalogue that docs/rules.md is generated
from, so an alert explains itself in the code-scanning UI. `partialFingerprints` carry the
finding's line-independent fingerprint, so alerts survive edits above them.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from migcheck.model import Finding, RevisionResult, RunResult, Severity, StepResult
from migcheck.report.common import (
    Gate,
    counts,
    finding_path,
    passed,
    rule_for,
    sorted_findings,
    unexplained_failures,
)
from migcheck.rules import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT = "migcheckFingerprint/v1"


# A failed step no finding explains still has to reach code scanning; until a catalogue code
# covers it, it is reported under this rule.
FAILURE_RULE = {
    "id": "replay-failure",
    "name": "replay-failure",
    "shortDescription": {"text": "A revision fails to apply on a fresh database"},
    "fullDescription": {
        "text": "The revision's upgrade (or downgrade) raised when replayed, one revision at "
        "a time, on a fresh PostgreSQL; every database created from scratch fails the same way."
    },
    "defaultConfiguration": {"level": "error"},
}


def render(result: RunResult) -> str:
    codes = sorted({f.code for f in result.findings})
    rules = [_descriptor(c) for c in codes]
    results = [_result(f, codes.index(f.code), result) for f in sorted_findings(result.findings)]
    failures = unexplained_failures(result)
    if failures:
        results += [_failure_result(r, s, len(rules), result) for r, s in failures]
        rules.append(FAILURE_RULE)
    driver: dict[str, Any] = {"name": "migcheck", "rules": rules}
    if result.tool_version:
        driver["version"] = result.tool_version
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if result.started_at:
        invocation["startTimeUtc"] = result.started_at
    c = counts(result)
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "results": results,
        "properties": {
            "command": result.command,
            "project": result.project.config_file,
            "passed": passed(result),
            "revisions": {"total": c.revisions, "applied": c.ok, "failed": c.failed},
        },
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def _descriptor(code: str) -> dict[str, Any]:
    rule = rule_for(code)
    if rule is None:  # a code from a newer migcheck than the one re-rendering the result
        return {"id": code, "shortDescription": {"text": code}}
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why or rule.summary},
        "help": {"text": _help(rule, markdown=False), "markdown": _help(rule, markdown=True)},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
    }


def _help(rule: Rule, markdown: bool) -> str:
    parts = [rule.why or rule.summary]
    for title, example in (("Fires on", rule.bad), ("Does not fire on", rule.good)):
        if example:
            block = f"```\n{example}\n```" if markdown else example
            parts.append(f"{title}:\n{block}")
    if rule.fix:
        parts.append(f"Fix: {rule.fix}")
    return "\n\n".join(parts)


def _result(finding: Finding, rule_index: int, result: RunResult) -> dict[str, Any]:
    text = finding.message + (f"\nHint: {finding.hint}" if finding.hint else "")
    physical: dict[str, Any] = {
        "artifactLocation": {
            "uri": _uri(finding_path(result, finding) or result.project.config_file)
        }
    }
    if finding.location.line:
        physical["region"] = {"startLine": finding.location.line}
    properties = {
        key: value
        for key, value in (
            ("check", finding.check),
            ("revision", finding.location.revision),
            ("tenant", finding.tenant),
            ("subject", finding.subject),
            ("sql", finding.sql),
            ("details", finding.details),
        )
        if value
    }
    entry: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT: finding.fingerprint()},
    }
    if properties:
        entry["properties"] = properties
    return entry


def _failure_result(
    revision: RevisionResult, step: StepResult, rule_index: int, result: RunResult
) -> dict[str, Any]:
    failure = step.failure
    assert failure is not None
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(failure.path or revision.path)}}
    if failure.line:
        physical["region"] = {"startLine": failure.line}
    severity = Gate.of(result).failure_severity(revision)
    return {
        "ruleId": FAILURE_RULE["id"],
        "ruleIndex": rule_index,
        "level": LEVEL[severity],
        "message": {"text": f"{revision.revision}: {step.direction} failed: {failure.summary}"},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {
            FINGERPRINT: f"replay-failure|{revision.revision}|{step.direction}"
        },
        "properties": {
            "revision": revision.revision,
            "failure": failure.kind.value,
            **({"sql": failure.statement} if failure.statement else {}),
        },
    }


def _uri(path: str) -> str:
    """Repository-relative paths stay relative (GitHub resolves them against the checkout)."""
    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(pure.as_posix())
