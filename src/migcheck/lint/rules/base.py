"""The lint rule registry: a rule is a `Rule` in the shared catalogue plus one check function.

A check reads a revision's facts and the project context and yields findings; it never reads
files or SQL itself, so the same check serves revision files and replayed SQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from migcheck.lint.context import LintContext
from migcheck.lint.facts import Action, RevisionFacts
from migcheck.model import Finding, Location
from migcheck.rules import Rule, register

Check = Callable[[RevisionFacts, LintContext], Iterator[Finding]]
CHECKS: list[Check] = []


def check(rule: Rule) -> Callable[[Check], Check]:
    """Register `rule` in the catalogue and the decorated function as its check."""
    register(rule)

    def decorate(function: Check) -> Check:
        CHECKS.append(function)
        return function

    return decorate


def finding(
    rule: Rule,
    facts: RevisionFacts,
    *,
    line: int | None,
    message: str,
    subject: str,
    sql: str | None = None,
) -> Finding:
    return Finding(
        code=rule.code,
        severity=rule.severity,
        message=message,
        location=Location(path=facts.path, line=line, revision=facts.revision),
        hint=rule.fix,
        check="lint",
        subject=subject,
        sql=sql,
    )


def on_action(rule: Rule, facts: RevisionFacts, action: Action, message: str) -> Finding:
    """A finding about one action, named by the table (and column) it touches."""
    subject = f"table {action.table}"
    if action.column:
        subject = f"column {action.table}.{action.column}"
    return finding(rule, facts, line=action.line, message=message, subject=subject, sql=action.sql)


def existing(facts: RevisionFacts, action: Action) -> bool:
    """The action touches a known table that the revision did not create itself."""
    return action.table is not None and not facts.creates(action.table)
