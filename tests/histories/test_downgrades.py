"""Downgrades that are not the mirror of their upgrade: each failure is a finding as precise
as an upgrade failure (file, line, SQLSTATE, statement), and the stairway goes on."""

from __future__ import annotations

from histkit import TABLE, codes, migcheck, statuses

VIEW = 'op.execute("CREATE VIEW colors_named AS SELECT id, name FROM colors")'


def test_each_failing_downgrade_is_reported_and_the_rest_still_runs(history, server) -> None:
    root = history(
        a1=(None, TABLE.format("colors"), 'op.drop_table("colors")'),
        # the index got another name on the developer's database
        b2=(
            "a1",
            'op.add_column("colors", sa.Column("name", sa.Text))\n'
            'op.create_index("ix_colors_name", "colors", ["name"])',
            'op.drop_index("colors_name_idx")\nop.drop_column("colors", "name")',
        ),
        # a later object depends on what the downgrade drops
        c3=("b2", VIEW, 'op.drop_column("colors", "name")'),
        # a Python error
        d4=(
            "c3",
            'op.add_column("colors", sa.Column("code", sa.Text))',
            'op.drop_column("colors", CODE)',
        ),
        e5=(
            "d4",
            'op.add_column("colors", sa.Column("hex", sa.Text))',
            'op.drop_column("colors", "hex")',
        ),
    )
    code, result = migcheck(server, "run", root, "--ignore", "MC8")
    assert code == 1
    assert [s for _, s in statuses(result)] == ["ok"] * 5
    assert codes(result.findings) == [
        ("MC201", "b2", "downgrade missing_object"),
        ("MC201", "c3", "downgrade dependent_objects"),
        ("MC201", "d4", "downgrade python_error"),
    ]
    missing, dependent, python = result.findings
    assert (missing.location.line, missing.sql.strip()) == (17, "DROP INDEX colors_name_idx")
    assert 'index "colors_name_idx" does not exist' in missing.message
    assert dependent.location.line == 16
    assert dependent.details["sqlstate"] == "2BP01"
    assert "ALTER TABLE colors DROP COLUMN name" in dependent.sql
    assert python.location.line == 16
    assert "NameError: name 'CODE' is not defined" in python.message
    assert result.revision("e5").downgrade.status.value == "ok"


def test_not_null_column_added_to_a_table_the_revision_emptied(history, server) -> None:
    # Rows are moved out, the table emptied, the column added, the rows put back.
    root = history(
        a1=(None, TABLE.format("colors"), 'op.drop_table("colors")'),
        b2=(
            "a1",
            'op.execute("CREATE TABLE colors_keep AS SELECT * FROM colors")\n'
            'op.execute("DELETE FROM colors")\n'
            'op.add_column("colors", sa.Column("rank", sa.Integer, nullable=False))\n'
            'op.execute("INSERT INTO colors SELECT id, 0 FROM colors_keep")\n'
            'op.drop_table("colors_keep")',
            'op.drop_column("colors", "rank")',
        ),
    )
    _, result = migcheck(server, "run", root)
    assert "MC804" not in {f.code for f in result.findings}
