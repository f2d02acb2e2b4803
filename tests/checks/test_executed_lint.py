"""The lint of executed SQL knows each column's type before the revision ran.

A type change to the type the column already has (optuna's FLOAT -> FLOAT(53), both double
precision) rewrites nothing; statically, lint could only guess. A real change is still found.
"""

from __future__ import annotations

from runkit import found, run

CREATE = """
op.create_table(
    "trials",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("value", sa.Float),
    sa.Column("number", sa.Integer),
    sa.Column("note", sa.String(20)),
)
"""


def test_type_change_to_the_same_type_is_no_rewrite(server, history):
    root = history(
        a1=(None, CREATE, 'op.drop_table("trials")'),
        b2=(
            "a1",
            'op.alter_column("trials", "value", type_=sa.Float(precision=53))\n'
            'op.alter_column("trials", "note", type_=sa.String(40))',
            'op.alter_column("trials", "note", type_=sa.String(20))',
        ),
    )
    assert [f for f in found(run(server, root, "lint").findings) if f[0] == "MC806"] == []


def test_a_real_type_change_is_still_a_rewrite(server, history):
    root = history(
        a1=(None, CREATE, 'op.drop_table("trials")'),
        b2=(
            "a1",
            'op.alter_column("trials", "number", type_=sa.BigInteger)',
            'op.alter_column("trials", "number", type_=sa.Integer)',
        ),
    )
    findings = [f for f in run(server, root, "lint").findings if f.code == "MC806"]
    assert [(f.location.revision, f.message) for f in findings] == [
        (
            "b2",
            "changing trials.number from integer to bigint rewrites the table under an "
            "exclusive lock",
        )
    ]


def test_a_type_change_with_using_is_a_rewrite_whatever_the_types(server, history):
    root = history(
        a1=(None, CREATE, 'op.drop_table("trials")'),
        b2=(
            "a1",
            'op.alter_column("trials", "number", type_=sa.Integer, postgresql_using="number * 2")',
        ),
    )
    findings = [f for f in run(server, root, "lint").findings if f.code == "MC806"]
    assert [f.location.revision for f in findings] == ["b2"]
