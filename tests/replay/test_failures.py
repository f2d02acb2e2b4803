"""Every failure class is recognised, explained, and pinned to the right revision file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcheck.model import FailureKind, Status
from migcheck.project import load_project
from migcheck.replay.runner import ReplayOptions, replay

CREATE_COLORS = """
op.create_table(
    "colors",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False, unique=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("colors.id")),
    sa.CheckConstraint("length(name) > 1", name="ck_name_long"),
)
"""


def failing(history, upgrade: str, **options):
    root = history(a1=(None, CREATE_COLORS, 'op.drop_table("colors")'), b2=("a1", upgrade))
    results = replay(load_project(root), options.pop("server"), ReplayOptions(**options))
    first, second = results
    assert first.status is Status.OK
    assert second.status is Status.FAILED
    return second


@pytest.mark.parametrize(
    ("upgrade", "kind", "line", "summary"),
    [
        (
            "op.execute(\"INSERT INTO colors (name, parent_id) VALUES ('Off-white', 7)\")",
            FailureKind.FOREIGN_KEY_VIOLATION,
            12,
            "foreign-key violation: row in public.colors references a missing parent "
            '(colors_parent_id_fkey): Key (parent_id)=(7) is not present in table "colors".',
        ),
        (
            'op.execute("ALTER TABLE colors RENAME CONSTRAINT uq_name TO uq_color_name")',
            FailureKind.MISSING_OBJECT,
            12,
            'missing object: constraint "uq_name" for table "colors" does not exist',
        ),
        (
            'op.create_table("colors", sa.Column("id", sa.Integer))',
            FailureKind.DUPLICATE_OBJECT,
            12,
            'duplicate object: relation "colors" already exists',
        ),
        (
            "op.execute(\"INSERT INTO colors (name) VALUES ('Red')\")\n"
            "op.execute(\"INSERT INTO colors (name) VALUES ('Red')\")",
            FailureKind.UNIQUE_VIOLATION,
            13,
            "unique violation on public.colors: duplicate key value violates unique "
            'constraint "colors_name_key": Key (name)=(Red) already exists.',
        ),
        (
            'op.execute("INSERT INTO colors (name) VALUES (NULL)")',
            FailureKind.NOT_NULL_VIOLATION,
            12,
            'not-null violation on public.colors: null value in column "name" of relation '
            '"colors" violates not-null constraint: Failing row contains (1, null, null).',
        ),
        (
            "op.execute(\"INSERT INTO colors (name) VALUES ('X')\")",
            FailureKind.CHECK_VIOLATION,
            12,
            'check violation on public.colors: new row for relation "colors" violates check '
            'constraint "ck_name_long": Failing row contains (1, X, null).',
        ),
        (
            'op.execute("INSERT INTO colors VALUE (1)")',
            FailureKind.SYNTAX_ERROR,
            12,
            'SQL syntax error: syntax error at or near "VALUE"',
        ),
        (
            "rows = {}\nop.execute(rows['missing'])",
            FailureKind.PYTHON_ERROR,
            13,
            "Python error in the revision: KeyError: 'missing'",
        ),
    ],
    ids=["fk", "missing", "duplicate", "unique", "not-null", "check", "syntax", "python"],
)
def test_failure_is_classified_with_revision_line(
    history, server, upgrade, kind, line, summary
) -> None:
    revision = failing(history, upgrade, server=server)
    failure = revision.upgrade.failure
    assert failure.kind is kind
    assert failure.line == line
    assert Path(failure.path).name == "001_b2.py"
    assert failure.summary == summary


def test_statement_timeout_is_a_timeout(history, server) -> None:
    revision = failing(
        history, 'op.execute("SELECT pg_sleep(5)")', server=server, statement_timeout="200ms"
    )
    failure = revision.upgrade.failure
    assert failure.kind is FailureKind.TIMEOUT
    assert failure.sqlstate == "57014"
    assert failure.statement == "SELECT pg_sleep(5)"
    assert revision.upgrade.duration_ms < 3000


def test_failed_statement_is_captured_and_earlier_ones_rolled_back(history, server) -> None:
    revision = failing(
        history,
        "op.execute(\"INSERT INTO colors (name) VALUES ('Black')\")\n"
        "op.execute(\"INSERT INTO colors (name, parent_id) VALUES ('Off-white', 7)\")",
        server=server,
    )
    statements = revision.upgrade.statements
    assert [(s.line, s.rowcount, s.failed) for s in statements] == [
        (12, 1, False),
        (13, None, True),
    ]
