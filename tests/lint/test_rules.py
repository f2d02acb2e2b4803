"""Each lint rule, firing and not firing, beyond the documented examples (test_examples.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lintkit import Project, revision

FIRES, SILENT = True, False

# (code, upgrade body of revision 0002 on top of the base tables, whether the code fires)
CASES = [
    # MC701 insert-not-rerunnable
    ("MC701", "op.execute(\"INSERT INTO colors (name) SELECT 'x' FROM sizes\")", FIRES),
    (
        "MC701",
        "op.execute(\"INSERT INTO colors (name) SELECT 'x' "
        "WHERE NOT EXISTS (SELECT 1 FROM colors WHERE name = 'x')\")",
        SILENT,
    ),
    (
        "MC701",
        'colors = sa.table("colors", sa.column("name"))\nop.bulk_insert(colors, [{"name": "x"}])',
        FIRES,
    ),
    (
        "MC701",
        'if not op.get_bind().execute(text("SELECT 1 FROM colors")).first():\n'
        "    op.execute(\"INSERT INTO colors (name) VALUES ('x')\")",
        SILENT,
    ),
    (
        "MC701",
        'op.create_table("tags", sa.Column("name", sa.Text()))\n'
        "op.execute(\"INSERT INTO tags (name) VALUES ('x')\")",
        SILENT,
    ),
    # MC702 insert-lookup-can-miss
    (
        "MC702",
        "op.execute(\"INSERT INTO colors (name) VALUES ('White') ON CONFLICT DO NOTHING\")\n"
        "op.execute(\"INSERT INTO colors (name, parent_id) VALUES ('Ivory', "
        "(SELECT id FROM colors WHERE name = 'Black')) ON CONFLICT DO NOTHING\")",
        FIRES,
    ),
    (
        "MC702",
        "op.execute(\"INSERT INTO colors (name, parent_id) VALUES ('Ivory', :parent) "
        'ON CONFLICT DO NOTHING")',
        SILENT,
    ),
    # MC703 update-delete-without-where
    ("MC703", 'op.execute("DELETE FROM colors")', FIRES),
    ("MC703", 'op.execute("TRUNCATE colors")', FIRES),
    (
        "MC703",
        'op.add_column("orders", sa.Column("code", sa.Text()))\n'
        'op.execute("UPDATE orders SET code = legacy_code")',
        SILENT,
    ),
    # MC704 non-idempotent-update
    ("MC704", "op.execute(\"UPDATE colors SET name = name || ' (old)' WHERE id = 1\")", FIRES),
    ("MC704", 'op.execute("UPDATE colors SET rank = rank + 1 WHERE rank = 1")', SILENT),
    ("MC704", 'op.execute("UPDATE colors SET name = lower(name) WHERE id = 1")', SILENT),
    # MC706 volatile-inserted-value
    (
        "MC706",
        "import datetime\n"
        'plans = sa.table("plans", sa.column("id"), sa.column("name"))\n'
        'op.bulk_insert(plans, [{"id": "a", "name": datetime.datetime.now()}])',
        FIRES,
    ),
    (
        "MC706",
        "op.execute(\"INSERT INTO plans (id, name) VALUES ('a', CURRENT_TIMESTAMP::text) "
        'ON CONFLICT DO NOTHING")',
        FIRES,
    ),
    # MC801 index-without-concurrently
    ("MC801", 'op.execute("CREATE INDEX ix_orders_status ON orders (status)")', FIRES),
    (
        "MC801",
        'op.create_table("tags", sa.Column("name", sa.Text()))\n'
        'op.create_index("ix_tags_name", "tags", ["name"])',
        SILENT,
    ),
    # MC802 concurrently-in-transaction
    ("MC802", 'op.execute("DROP INDEX CONCURRENTLY ix_orders_status")', FIRES),
    (
        "MC802",
        'op.execute("COMMIT")\n'
        'op.create_index("ix", "orders", ["status"], postgresql_concurrently=True)',
        SILENT,
    ),
    (
        "MC802",
        "with op.get_context().autocommit_block():\n"
        '    op.execute("REINDEX INDEX CONCURRENTLY ix")',
        SILENT,
    ),
    # MC803 enum-value-in-transaction
    ("MC803", "op.execute(\"ALTER TYPE mood ADD VALUE 'calm'\")", FIRES),
    ("MC803", "op.execute(\"ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'\")", SILENT),
    # MC804 not-null-column-without-default
    ("MC804", 'op.execute("ALTER TABLE orders ADD COLUMN code text NOT NULL")', FIRES),
    (
        "MC804",
        "op.execute(\"ALTER TABLE orders ADD COLUMN code text NOT NULL DEFAULT 'x'\")",
        SILENT,
    ),
    ("MC804", 'op.execute("ALTER TABLE orders ADD COLUMN seq bigserial NOT NULL")', SILENT),
    (
        "MC804",
        'op.add_column("orders", sa.Column("n", sa.Integer(), sa.Identity(), nullable=False))',
        SILENT,
    ),
    # MC805 set-not-null
    ("MC805", 'op.execute("ALTER TABLE orders ALTER COLUMN status SET NOT NULL")', FIRES),
    (
        "MC805",
        'op.create_table("tags", sa.Column("name", sa.Text()))\n'
        'op.alter_column("tags", "name", nullable=False)',
        SILENT,
    ),
    # MC806 column-type-rewrite
    ("MC806", 'op.alter_column("orders", "note", type_=sa.Integer())', FIRES),
    ("MC806", 'op.execute("ALTER TABLE orders ALTER COLUMN note TYPE varchar(10)")', FIRES),
    (
        "MC806",
        'op.execute("ALTER TABLE orders ALTER COLUMN total TYPE text USING total::text")',
        FIRES,
    ),
    ("MC806", 'op.execute("ALTER TABLE orders ALTER COLUMN note TYPE text")', SILENT),
    (
        "MC806",
        'op.alter_column("orders", "note", type_=sa.String(400), existing_type=sa.String(200))',
        SILENT,
    ),
    # MC807 constraint-without-not-valid
    (
        "MC807",
        'op.execute("ALTER TABLE orders ADD CONSTRAINT ck_total CHECK (total > 0)")',
        FIRES,
    ),
    ("MC807", 'op.create_check_constraint("ck_total", "orders", "total > 0")', FIRES),
    (
        "MC807",
        'op.execute("ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) '
        'REFERENCES customers (id) NOT VALID")',
        SILENT,
    ),
    # MC901-MC904 compatibility, as SQL
    ("MC901", 'op.execute("DROP TABLE legacy_orders")', FIRES),
    ("MC902", 'op.execute("ALTER TABLE orders DROP COLUMN legacy_code")', FIRES),
    ("MC903", 'op.execute("ALTER TABLE sizes RENAME TO sizes_normalized")', FIRES),
    ("MC904", 'op.execute("ALTER TABLE orders RENAME COLUMN total TO amount")', FIRES),
    (
        "MC904",
        'with op.batch_alter_table("orders") as batch_op:\n'
        '    batch_op.alter_column("total", new_column_name="amount")',
        FIRES,
    ),
    (
        "MC901",
        'op.create_table("tmp", sa.Column("id", sa.Integer()))\nop.drop_table("tmp")',
        SILENT,
    ),
    # MC913 sql-syntax-error
    ("MC913", 'op.execute(f"INSERT INTO {name} VALUES (1")', SILENT),
    (
        "MC913",
        "op.execute(text(\"SELECT * FROM colors WHERE name = :name AND id::text = '1'\"))",
        SILENT,
    ),
]


@pytest.mark.parametrize(("code", "upgrade", "fires"), CASES)
def test_rule(code: str, upgrade: str, fires: bool, step_codes: Callable[..., list[str]]) -> None:
    assert (code in step_codes(upgrade)) is fires


def test_downgrade_drops_are_not_compatibility_problems(project: Project) -> None:
    project.with_base()
    assert project.codes() == []


def test_plain_create_table_history_is_clean(project: Project) -> None:
    """No style noise: a well-formed create-table history raises nothing at all."""
    project.add(
        "0001_customers",
        revision(
            "0001",
            None,
            """
            op.create_table(
                "customers",
                sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("email", sa.Text(), nullable=False),
                sa.Column("created_at", sa.DateTime(), server_default=sa.text("now()"),
                          nullable=False),
            )
            op.create_index("ix_customers_email", "customers", ["email"], unique=True)
            """,
            'op.drop_index("ix_customers_email", table_name="customers")\n'
            'op.drop_table("customers")',
        ),
    )
    project.add(
        "0002_orders",
        revision(
            "0002",
            "0001",
            """
            op.create_table(
                "orders",
                sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"),
                          nullable=False),
                sa.CheckConstraint("id > 0", name="ck_orders_id"),
            )
            op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
            op.add_column("customers", sa.Column("phone", sa.Text(), nullable=True))
            """,
            'op.drop_column("customers", "phone")\nop.drop_table("orders")',
        ),
    )
    project.add("0003_merge", revision("0003", ("0002",), "pass", "pass"))
    assert project.lint() == []


def test_table_created_later(project: Project) -> None:
    project.add(
        "0001_seed",
        revision(
            "0001",
            None,
            "op.execute(\"INSERT INTO colors (name) VALUES ('x') ON CONFLICT DO NOTHING\")",
        ),
    )
    project.add(
        "0002_colors",
        revision("0002", "0001", 'op.create_table("colors", sa.Column("name", sa.Text()))'),
    )
    [finding] = project.lint()
    assert (finding.code, finding.location.revision) == ("MC705", "0001")
    assert "later revision (0002)" in finding.message


def test_table_created_earlier_or_on_a_sibling_branch(project: Project) -> None:
    insert = "op.execute(\"INSERT INTO colors (name) VALUES ('x') ON CONFLICT DO NOTHING\")"
    project.add(
        "0001_colors",
        revision("0001", None, 'op.create_table("colors", sa.Column("name", sa.Text()))'),
    )
    project.add("0002_seed", revision("0002", "0001", insert))
    project.add("0003_sibling_seed", revision("0003", None, insert.replace("colors", "sizes")))
    project.add(
        "0004_sizes",
        revision("0004", None, 'op.create_table("sizes", sa.Column("name", sa.Text()))'),
    )
    assert project.codes() == []


def test_application_imports(project: Project) -> None:
    (project.root / "app").mkdir()
    (project.root / "app" / "__init__.py").write_text("")
    (project.root / "migrations" / "helpers.py").write_text("")
    header = (
        "import os\nfrom app.models import Color\nfrom migrations import helpers\n"
        "from myapp.settings import SETTINGS\nimport sqlalchemy_utils\n"
    )
    project.add("0001_x", revision("0001", None, 'op.execute("SELECT 1")', header=header))
    found = [(f.code, f.subject) for f in project.lint()]
    assert found == [("MC910", "import app.models"), ("MC910", "import myapp.settings")]


def test_allowed_imports(project: Project) -> None:
    project.pyproject('[tool.migcheck.lint]\nallowed-imports = ["app.migration_utils"]\n')
    (project.root / "app").mkdir()
    header = "from app.migration_utils import batched\n"
    project.add("0001_x", revision("0001", None, 'op.execute("SELECT 1")', header=header))
    assert project.codes() == []


TENANT_ENV = """
from alembic import context
TENANT = "tenant"
def run(connection, schema):
    connection = connection.execution_options(schema_translate_map={TENANT: schema})
    context.configure(connection=connection, target_metadata=None)
"""


@pytest.mark.parametrize(
    ("upgrade", "fires"),
    [
        ("op.execute(\"UPDATE tenant.orders SET status = 'x' WHERE id = 1\")", FIRES),
        ('op.add_column("orders", sa.Column("x", sa.Text()), schema="tenant")', FIRES),
        ('op.create_table("orders", sa.Column("x", sa.Text()), schema="tenant")', SILENT),
        ("op.execute(f\"UPDATE {schema}.orders SET status = 'x' WHERE id = 1\")", SILENT),
        ("op.execute(\"UPDATE public.orders SET status = 'x' WHERE id = 1\")", SILENT),
    ],
)
def test_hard_coded_schema(project: Project, upgrade: str, fires: bool) -> None:
    project.env(TENANT_ENV)
    project.add("0001_x", revision("0001", None, upgrade))
    assert ("MC911" in project.codes()) is fires


def test_hard_coded_schema_needs_a_remapping_project(project: Project) -> None:
    project.add(
        "0001_x",
        revision("0001", None, 'op.execute("UPDATE tenant.orders SET a = 1 WHERE id = 1")'),
    )
    assert "MC911" not in project.codes()


@pytest.mark.parametrize(
    ("downgrade", "fires"),
    [
        ("pass", FIRES),
        ('"""Nothing to undo."""', FIRES),
        ('raise NotImplementedError("data loss")', SILENT),
    ],
)
def test_missing_downgrade(project: Project, downgrade: str, fires: bool) -> None:
    project.add(
        "0001_x",
        revision("0001", None, 'op.create_table("t", sa.Column("a", sa.Text()))', downgrade),
    )
    assert ("MC912" in project.codes()) is fires


def test_missing_downgrade_function(project: Project) -> None:
    source = revision("0001", None, 'op.create_table("t", sa.Column("a", sa.Text()))')
    project.add("0001_x", source[: source.index("def downgrade")])
    [finding] = project.lint()
    assert (finding.code, finding.location.line) == ("MC912", 1)


def test_sql_syntax_error_points_at_the_line(project: Project) -> None:
    upgrade = 'op.execute("""\n    INSERT INTO colors (name)\n    VALUE (\'White\')\n""")'
    path = project.add("0001_x", revision("0001", None, upgrade))
    [finding] = project.lint()
    line = path.read_text().splitlines()[finding.location.line - 1]
    assert finding.code == "MC913"
    assert "VALUE ('White')" in line
    assert finding.message == 'SQL does not parse: syntax error at or near "VALUE"'


def test_server_default_text_is_not_a_statement(project: Project) -> None:
    upgrade = (
        'op.create_table("t", sa.Column("at", sa.DateTime(), server_default=sa.text("now()")))'
    )
    project.add("0001_x", revision("0001", None, upgrade))
    assert project.codes() == []


def test_sql_in_helpers_and_module_constants(project: Project) -> None:
    project.with_base()
    header = (
        "SEED = \"INSERT INTO colors (name) VALUES ('a')\"\n\n"
        "def seed(conn):\n    conn.execute(text(SEED))\n"
    )
    path = project.step("seed(op.get_bind())", header=header)
    [finding] = project.lint()
    assert finding.code == "MC701"
    assert path.read_text().splitlines()[finding.location.line - 1].startswith("SEED = ")


def test_transactional_ddl_off_allows_concurrently(project: Project) -> None:
    project.env("from alembic import context\ncontext.configure(transactional_ddl=False)\n")
    project.with_base()
    project.step('op.create_index("ix", "orders", ["status"], postgresql_concurrently=True)')
    assert project.codes() == []
