"""docs/rules.md is generated from the rule catalogue and must be current."""

from __future__ import annotations

from migcheck import rules_doc
from migcheck.rules import RULES


def test_rules_doc_is_up_to_date() -> None:
    text = rules_doc.render()
    assert rules_doc.DOC_PATH.read_text(encoding="utf-8") == text, (
        "docs/rules.md is stale: run python -m migcheck.rules_doc"
    )


def test_every_lint_rule_is_documented_with_examples() -> None:
    rules_doc.import_all()
    lint_rules = [r for r in RULES.values() if r.code[2] in "789"]
    assert len(lint_rules) == 21
    for rule in lint_rules:
        assert rule.why and rule.bad and rule.good and rule.fix, rule.code
