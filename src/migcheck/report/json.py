"""`--format json`: the result itself, the one source every other format is rendered from.

Its shape is docs/result.schema.json (explained in docs/json-schema.md), versioned by
`schema_version`; `migcheck report result.json --format ...` re-renders it without a rerun.
"""

from __future__ import annotations

from migcheck.model import RunResult


def render(result: RunResult) -> str:
    return result.to_json(indent=2) + "\n"
