"""Tenants: one history replayed per tenant schema, one after the other in ONE database."""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

from migcheck.checks.drift import check_model_drift
from migcheck.checks.pipeline import RunOptions, run_checks
from migcheck.checks.tenants import for_tenant, tag, tenant_variants
from migcheck.config import Settings, load_settings
from migcheck.errors import InputError
from migcheck.model import Finding, Severity, Status
from migcheck.project import load_project
from migcheck.replay.runner import (
    ReplayOptions,
    connection_plan,
    describe_revisions,
    prepare_database,
    upgrade_program,
)
from migcheck.replay.session import run_program

TENANTS = ["user_1", "user_2"]

# The seed's setup: models and revisions use the placeholder schema "tenant", env.py maps it
# to the tenant named by `-x tenant=...`; each tenant keeps its own alembic_version.
TENANT_ENV = """
import sys
from pathlib import Path

from alembic import context
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models  # noqa: E402

config = context.config
tenant = context.get_x_argument(as_dictionary=True).get("tenant", "public")

connection = config.attributes["connection"]
connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{tenant}"'))
connection.commit()
connection.execution_options(schema_translate_map={"tenant": tenant})
context.configure(
    connection=connection,
    target_metadata=models.metadata,
    version_table_schema=tenant,
    include_schemas=True,
)
with context.begin_transaction():
    context.run_migrations()
"""

MODELS = """
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Table(
    "categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    schema="tenant",
)
Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, index=True),
    Column("category_id", ForeignKey("tenant.categories.id")),
    schema="tenant",
)
"""

# As autogenerate writes them against the placeholder schema.
CATEGORIES = """
op.create_table(
    "categories",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
    schema="tenant",
)
"""
ITEMS = """
op.create_table(
    "items",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.Text(), nullable=True),
    sa.Column("category_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(
        ["category_id"], ["tenant.categories.id"], name=op.f("fk_items_category_id_categories")
    ),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    schema="tenant",
)
op.create_index(op.f("ix_tenant_items_name"), "items", ["name"], schema="tenant")
"""


@pytest.fixture(autouse=True)
def fresh_models_module(monkeypatch):
    monkeypatch.delitem(sys.modules, "models", raising=False)


def tenant_project(history, models=MODELS, **revisions):
    root = history(env=TENANT_ENV, **revisions)
    (root / "models.py").write_text(textwrap.dedent(models))
    return root


def replay_tenants(server, root):
    """Each tenant's replay (models compared at its head), in one database, like production.

    Returns ({tenant: {revision: status}}, findings tagged with their tenant, {schema: tables}).
    """
    settings = Settings(root=root, raw={"tenants": TENANTS})
    project = load_project(root)
    statuses, findings = {}, []
    database = prepare_database(server, "tenants", ReplayOptions())
    try:
        for tenant, options in tenant_variants(settings, ReplayOptions(), project.files.env_py):
            run_as = for_tenant(project, options)
            results = describe_revisions(run_as)
            upgrade = upgrade_program(run_as, results)
            at_head: list[Finding] = []

            def program(director, upgrade=upgrade, at_head=at_head):
                yield from upgrade(director)
                at_head.extend(check_model_drift(director))

            run_program(run_as, connection_plan(run_as, server, database, options), program)
            statuses[tenant] = {r.revision: r.status for r in results}
            findings += tag(at_head, tenant)
        with psycopg.connect(server.conninfo(database)) as conn:
            rows = conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema LIKE 'user_%' ORDER BY 1, 2"
            ).fetchall()
    finally:
        server.drop_database(database)
    tables: dict[str, list[str]] = {}
    for schema, table in rows:
        tables.setdefault(schema, []).append(table)
    return statuses, findings, tables


def test_every_tenant_gets_the_history_in_one_database(server, history):
    root = tenant_project(history, a1=(None, CATEGORIES), a2=("a1", ITEMS))
    statuses, findings, tables = replay_tenants(server, root)
    assert statuses == {t: {"a1": Status.OK, "a2": Status.OK} for t in TENANTS}
    assert tables == {t: ["alembic_version", "categories", "items"] for t in TENANTS}
    assert findings == []  # the models, translated per tenant, match each tenant's schema


@pytest.mark.parametrize(
    ("schema", "failing"),
    [
        ("user_1", ["user_2"]),  # the developer's own tenant: collides only for the next one
        ("tenant", ["user_1", "user_2"]),  # the placeholder: raw SQL is never translated
    ],
)
def test_hard_coded_schema_in_raw_sql_fails_per_tenant(server, history, schema, failing):
    note = f'op.execute("ALTER TABLE {schema}.items ADD COLUMN note text")'
    category = '    Column("category_id", ForeignKey("tenant.categories.id")),\n'
    models = MODELS.replace(category, category + '    Column("note", Text),\n')
    root = tenant_project(history, models, a1=(None, CATEGORIES), a2=("a1", ITEMS), a3=("a2", note))
    statuses, findings, _ = replay_tenants(server, root)
    assert [t for t in TENANTS if statuses[t]["a3"] is Status.FAILED] == failing
    assert [(f.tenant, f.code, f.subject) for f in findings] == [
        (tenant, "MC503", "column tenant.items.note") for tenant in failing
    ]


def settings(**raw):
    return Settings(root=Path("."), source=Path("pyproject.toml"), raw=raw)


def test_no_tenants_configured_is_one_plain_variant():
    options = ReplayOptions(x_args=["a=1"])
    assert tenant_variants(settings(), options) == [(None, options)]


def test_each_tenant_passes_its_x_argument_replacing_a_given_one():
    options = ReplayOptions(x_args=["tenant=dev", "dry=1"])
    variants = tenant_variants(settings(tenants=TENANTS), options)
    assert [(t, o.x_args) for t, o in variants] == [
        ("user_1", ["dry=1", "tenant=user_1"]),
        ("user_2", ["dry=1", "tenant=user_2"]),
    ]
    assert options.x_args == ["tenant=dev", "dry=1"]  # the caller's options are left alone


def test_x_argument_key_is_configured_or_read_from_env_py(tmp_path):
    env_py = tmp_path / "env.py"
    env_py.write_text(
        "args = context.get_x_argument(as_dictionary=True)\nschema = args.get('schema')\n"
    )
    found = tenant_variants(settings(tenants=["u1"]), ReplayOptions(), env_py)
    assert found[0][1].x_args == ["schema=u1"]
    configured = settings(tenants=["u1"], tenant_x_arg="customer")
    assert tenant_variants(configured, ReplayOptions(), env_py)[0][1].x_args == ["customer=u1"]


@pytest.mark.parametrize(
    ("raw", "env", "message"),
    [
        ({"tenants": "user_1"}, None, "tenants must be a list of schema names"),
        ({"tenants": ["u", "u"]}, None, "lists a schema twice"),
        ({"tenants": ["u"]}, "context.configure()\n", "never reads -x arguments"),
        (
            {"tenants": ["u"]},
            "x = context.get_x_argument(as_dictionary=True)\nx['a'], x['b']\n",
            "reads -x keys a, b; set tenant_x_arg",
        ),
    ],
)
def test_configuration_mistakes_are_one_line_input_errors(tmp_path, raw, env, message):
    env_py = None
    if env is not None:
        env_py = tmp_path / "env.py"
        env_py.write_text(env)
    with pytest.raises(InputError, match=re.escape(message)):
        tenant_variants(settings(**raw), ReplayOptions(), env_py)


def test_tag_sets_the_tenant_and_nothing_else():
    finding = Finding(code="MC503", severity=Severity.ERROR, message="m", subject="s")
    (tagged,) = tag([finding], "user_2")
    assert (tagged.tenant, tagged.message, tagged.fingerprint()) == (
        "user_2",
        "m",
        "MC503||s|user_2",
    )
    assert finding.tenant is None
    assert tag([finding], None) == [finding]


# --- `migcheck run` (checks.pipeline) with tenants configured ---------------------------------

SAMPLE = Path(__file__).resolve().parents[2] / "sample_migrations" / "multi_tenant"
HEAD = "6b0e4c8a2d97"
REGISTRY = "0c6e2f8a4d19"  # creates the shared public.tenants IF NOT EXISTS


NICKNAME = """\"\"\"add users.nickname\"\"\"
from alembic import op

revision = "a7c1e5b9d3f2"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade():
    {upgrade}


def downgrade():
    {downgrade}
"""


def sample_with_tenants(tmp_path, upgrade: str | None = None, downgrade: str = "pass") -> Path:
    """A copy of the multi_tenant sample configured with TENANTS in its pyproject.toml, plus
    optionally a revision on top of its head adding users.nickname (in the models too) with
    the given upgrade and downgrade bodies."""
    root = tmp_path / "multi_tenant"
    shutil.copytree(SAMPLE, root)
    tenants = ", ".join(f'"{t}"' for t in TENANTS)
    (root / "pyproject.toml").write_text(f"[tool.migcheck]\ntenants = [{tenants}]\n")
    if upgrade is not None:
        (root / "versions" / "20260206_1000_add_user_nickname.py").write_text(
            NICKNAME.format(down=HEAD, upgrade=upgrade, downgrade=downgrade)
        )
        models = root / "models.py"
        email = "    email: Mapped[str] = mapped_column(Text, unique=True)\n"
        nickname = "    nickname: Mapped[str | None] = mapped_column(Text)\n"
        models.write_text(models.read_text().replace(email, email + nickname))
    return root


def run_sample(server, root: Path):
    settings = load_settings(root)
    assert settings.get("tenants") == TENANTS
    options = RunOptions.from_settings(settings, ReplayOptions())
    return run_checks(load_project(root), server, options)


def upgrade_sql(revisions: list[dict], revision: str) -> str:
    step = next(r for r in revisions if r["revision"] == revision)["upgrade"]
    return "\n".join(s["sql"] for s in step["statements"])


def test_run_replays_every_tenant_in_one_database(server, tmp_path):
    result = run_sample(server, sample_with_tenants(tmp_path))
    per_tenant = result.extras["tenants"]
    assert list(per_tenant) == TENANTS
    for tenant in TENANTS:
        assert {r["status"] for r in per_tenant[tenant]} == {"ok"}
        assert all(r["downgrade"]["status"] == "ok" for r in per_tenant[tenant])
        # the same revision created each tenant's own table (schema_translate_map at work)
        assert f"CREATE TABLE {tenant}.users" in upgrade_sql(per_tenant[tenant], "5a1f7c3e9b82")
    # result.revisions are the first tenant's
    assert [r.to_dict() for r in result.revisions] == per_tenant["user_1"]
    # The only finding is a real one, and only tenants sharing one database show it: the
    # shared registry's downgrade (DROP TABLE IF EXISTS public.tenants), run for user_2,
    # drops the registry user_1 created and still uses.
    assert [(f.tenant, f.code, f.location.revision, f.subject) for f in result.findings] == [
        ("user_2", "MC203", REGISTRY, "table public.tenants")
    ]


def test_run_without_tenants_is_one_plain_replay(server, tmp_path):
    root = sample_with_tenants(tmp_path)
    (root / "pyproject.toml").write_text("[tool.migcheck]\n")
    result = run_sample_plain(server, root)
    assert "tenants" not in result.extras
    assert {r.status for r in result.revisions} == {Status.OK}
    assert result.findings == []  # the models, translated by env.py itself, match


def run_sample_plain(server, root: Path):
    options = RunOptions.from_settings(load_settings(root), ReplayOptions())
    return run_checks(load_project(root), server, options)


def test_run_names_the_tenant_a_hard_coded_schema_breaks(server, tmp_path):
    # The developer's own tenant, hard-coded in raw SQL: fine for user_1, a collision for user_2.
    up = 'op.execute("ALTER TABLE user_1.users ADD COLUMN nickname text")'
    down = 'op.execute("ALTER TABLE user_1.users DROP COLUMN nickname")'
    result = run_sample(server, sample_with_tenants(tmp_path, up, down))
    statuses = {t: [r["status"] for r in rs] for t, rs in result.extras["tenants"].items()}
    assert statuses == {"user_1": ["ok"] * 8, "user_2": ["ok"] * 7 + ["failed"]}
    assert all(r.status is Status.OK for r in result.revisions)  # user_1's
    failure = next(f for f in result.findings if f.code == "MC001")
    assert (failure.tenant, failure.location.revision, failure.subject) == (
        "user_2",
        "a7c1e5b9d3f2",
        "upgrade duplicate_object",
    )
    assert failure.message.startswith(
        "a7c1e5b9d3f2: upgrade failed for tenant user_2 after it applied for tenant user_1: "
    )
    assert failure.location.line == 11  # the op.execute line of the revision file
    assert {(f.tenant, f.code) for f in result.findings} == {
        ("user_2", "MC001"),
        ("user_2", "MC203"),
    }


def test_run_reports_a_revision_failing_for_every_tenant_once(server, tmp_path):
    # The placeholder schema, hard-coded: raw SQL is never remapped, so it fails for everyone;
    # the first tenant's failed revision reports it (no MC001 repeating it per tenant).
    sql = 'op.execute("ALTER TABLE tenant.users ADD COLUMN nickname text")'
    result = run_sample(server, sample_with_tenants(tmp_path, sql))
    assert [r.revision for r in result.failed_revisions] == ["a7c1e5b9d3f2"]
    assert all(rs[-1]["status"] == "failed" for rs in result.extras["tenants"].values())
    assert [f.code for f in result.findings if f.code == "MC001"] == []
