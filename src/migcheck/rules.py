"""The catalogue of finding codes: one Rule per stable code, shared by every check.

Checks and lint rules register their Rule here at import time; docs/rules.md and the SARIF
rule metadata are generated from this one catalogue, so a code is documented exactly once.

Code ranges (stable; never reuse a retired code):
    MC0xx  replay failures            MC5xx  models against migrations
    MC1xx  revision graph             MC6xx  reference dump differences
    MC2xx  round trip (stairway)      MC7xx  lint: data safety
    MC3xx  data migrations            MC8xx  lint: locking and availability
    MC4xx  branch order               MC9xx  lint: compatibility and structure
"""

from __future__ import annotations

from dataclasses import dataclass

from migcheck.model import Severity


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # kebab-case, like ruff's rule names
    severity: Severity  # default; [tool.migcheck] can re-grade
    summary: str  # one line: what it finds
    why: str = ""  # the reason it matters
    bad: str = ""  # example that fires
    good: str = ""  # example that does not
    fix: str = ""  # the default hint


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    existing = RULES.get(rule.code)
    if existing is not None and existing != rule:
        raise RuntimeError(f"rule code {rule.code} registered twice")
    RULES[rule.code] = rule
    return rule


def get(code: str) -> Rule:
    return RULES[code]
