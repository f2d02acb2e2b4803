"""The bad and good examples of docs/rules.md, run through lint: bad fires, good is clean."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from migcheck.lint.rules import compat, data, locking, structure
from migcheck.rules import Rule

# Rules whose examples are plain upgrade bodies on the base tables; the others (history,
# imports, env.py, downgrade) have their own tests in test_rules.py.
EXAMPLE_RULES = [
    data.INSERT_NOT_RERUNNABLE,
    data.INSERT_LOOKUP_CAN_MISS,
    data.UNBOUNDED_WRITE,
    data.NON_IDEMPOTENT_UPDATE,
    data.VOLATILE_INSERT,
    locking.INDEX_WITHOUT_CONCURRENTLY,
    locking.CONCURRENTLY_IN_TRANSACTION,
    locking.ENUM_VALUE_IN_TRANSACTION,
    locking.NOT_NULL_WITHOUT_DEFAULT,
    locking.SET_NOT_NULL,
    locking.COLUMN_TYPE_REWRITE,
    locking.CONSTRAINT_WITHOUT_NOT_VALID,
    compat.DROP_TABLE,
    compat.DROP_COLUMN,
    compat.RENAME_TABLE,
    compat.RENAME_COLUMN,
    structure.SQL_SYNTAX_ERROR,
]


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=lambda r: r.code)
def test_bad_example_fires(rule: Rule, step_codes: Callable[..., list[str]]) -> None:
    assert rule.code in step_codes(rule.bad)


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=lambda r: r.code)
def test_good_example_is_clean(rule: Rule, step_codes: Callable[..., list[str]]) -> None:
    assert step_codes(rule.good) == []
