"""lint_statements: the same rules over the SQL a replay executed, for `migcheck run`."""

from __future__ import annotations

from lintkit import Project

from migcheck.lint import LintContext, lint_statements


def codes(statements: list[tuple[str, int | None]], **kwargs: object) -> list[str]:
    return [f.code for f in lint_statements(statements, "0002", "v/0002.py", **kwargs)]


def test_generated_ddl_on_a_new_table_is_clean() -> None:
    statements = [
        ("CREATE TABLE colors (id SERIAL NOT NULL, name TEXT, PRIMARY KEY (id))", 10),
        ("CREATE INDEX ix_colors_name ON colors (name)", 11),
        ("INSERT INTO colors (name) VALUES (%(name)s)", 12),
        ("INSERT INTO alembic_version (version_num) VALUES ('0002') RETURNING version_num", None),
        ("UPDATE alembic_version SET version_num='0003'", None),
    ]
    assert codes(statements) == []


def test_findings_are_exact_for_existing_tables() -> None:
    found = lint_statements(
        [("CREATE INDEX ix_orders_status ON orders (status)", 7), ("DELETE FROM orders", 8)],
        "0002",
        "v/0002.py",
    )
    assert [(f.code, f.location.line, f.location.revision) for f in found] == [
        ("MC801", 7, "0002"),
        ("MC703", 8, "0002"),
    ]
    assert found[0].subject == "index ix_orders_status"


def test_transaction_rules_need_the_source() -> None:
    assert codes([("CREATE INDEX CONCURRENTLY ix ON orders (status)", 5)]) == []


def test_source_supplies_guards_and_transactions(project: Project) -> None:
    path = project.step(
        "if op.get_bind().execute(text('SELECT 1')).scalar():\n"
        "    op.execute(\"INSERT INTO colors (name) VALUES ('x')\")\n"
        'op.create_index("ix", "orders", ["status"], postgresql_concurrently=True)\n'
    )
    lines = path.read_text().splitlines()
    insert_line = next(i for i, text in enumerate(lines, 1) if "INSERT" in text)
    index_line = insert_line + 1
    statements: list[tuple[str, int | None]] = [
        ("INSERT INTO colors (name) VALUES ('x')", insert_line),
        ("CREATE INDEX CONCURRENTLY ix ON orders (status)", index_line),
    ]
    assert codes(statements) == ["MC701"]
    assert codes(statements, source=path) == ["MC802"]


def test_hard_coded_schema_from_replayed_sql() -> None:
    context = LintContext(remapped_schemas=frozenset({"tenant"}))
    statements = [("ALTER TABLE tenant.orders ADD COLUMN note TEXT", 3)]
    assert codes(statements, context=context) == ["MC911"]
