"""Models against migrations (MC5xx): env.py's target_metadata compared at the replayed head."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from migcheck.checks.drift import check_model_drift
from migcheck.model import Status
from migcheck.project import load_project
from migcheck.replay.runner import (
    ReplayOptions,
    connection_plan,
    describe_revisions,
    prepare_database,
    upgrade_program,
)
from migcheck.replay.session import run_program

SAMPLES = Path(__file__).resolve().parents[2] / "sample_migrations"

# The settings `alembic check` would use: env.py's own, one schema of the database.
MODELS_ENV = """
import sys
from pathlib import Path

from alembic import context

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models  # noqa: E402

config = context.config
target_metadata = models.metadata


def include_name(name, type_, parent_names):
    return type_ != "schema" or name == "product_attributes"


context.configure(
    connection=config.attributes["connection"],
    target_metadata=target_metadata,
    include_schemas=True,
    include_name=include_name,
    compare_server_default=True,
)
with context.begin_transaction():
    context.run_migrations()
"""

# Models of the seed's product_attributes.colors, with what autogenerate often gets wrong:
# an enum, server defaults, a self-referencing foreign key, a naming convention.
MODELS = """
import enum

from sqlalchemy import Enum, ForeignKey, MetaData, Numeric, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "product_attributes"


class Base(DeclarativeBase):
    metadata = MetaData(
        schema=SCHEMA,
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        },
    )


metadata = Base.metadata


class Shade(enum.Enum):
    light = "light"
    dark = "dark"


class Color(Base):
    __tablename__ = "colors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(Text, unique=True)
    shade: Mapped[Shade] = mapped_column(
        Enum(Shade, name="shade", schema=SCHEMA), server_default="light"
    )
    parent_color_id: Mapped[int | None] = mapped_column(ForeignKey("colors.id"), index=True)
    created_at: Mapped[str] = mapped_column(server_default=func.now(), type_=Text)
    price: Mapped[float | None] = mapped_column(Numeric(10, 2))
"""

CREATE_COLORS = """
op.execute("CREATE SCHEMA product_attributes")
shade = sa.Enum("light", "dark", name="shade", schema="product_attributes")
op.create_table(
    "colors",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name_en", sa.Text(), nullable=False),
    sa.Column("shade", shade, server_default="light", nullable=False),
    sa.Column("parent_color_id", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.Text(), server_default=sa.text("now()"), nullable=False),
    sa.Column("price", sa.Numeric(10, 2), nullable=True),
    sa.ForeignKeyConstraint(
        ["parent_color_id"],
        ["product_attributes.colors.id"],
        name=op.f("fk_colors_parent_color_id_colors"),
    ),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_colors")),
    sa.UniqueConstraint("name_en", name=op.f("uq_colors_name_en")),
    schema="product_attributes",
)
op.create_index(
    op.f("ix_product_attributes_colors_parent_color_id"),
    "colors",
    ["parent_color_id"],
    schema="product_attributes",
)
"""


@pytest.fixture(autouse=True)
def fresh_models_module(monkeypatch):
    """Every project here (and the sample) names its models module `models`."""
    monkeypatch.delitem(sys.modules, "models", raising=False)


def drift_at_head(server, root):
    """Replay the whole history and run the check at the head, inside env.py's run."""
    project = load_project(root)
    options = ReplayOptions()
    results = describe_revisions(project)
    upgrade = upgrade_program(project, results)
    findings = []

    def program(director):
        yield from upgrade(director)
        findings.extend(check_model_drift(director))
        assert not director.connection.in_transaction()  # left as it was found

    database = prepare_database(server, "drift", options)
    try:
        run_program(project, connection_plan(project, server, database, options), program)
    finally:
        server.drop_database(database)
    assert all(r.status is Status.OK for r in results)
    return findings


def project(history, models=MODELS, **revisions):
    root = history(env=MODELS_ENV, **revisions)
    (root / "models.py").write_text(textwrap.dedent(models))
    return root


def found(findings):
    return [
        (f.code, f.subject, f"{Path(f.location.path).name}:{f.location.line}", f.message)
        for f in findings
    ]


def test_models_matching_the_migrations_give_no_finding(server, history):
    assert drift_at_head(server, project(history, a1=(None, CREATE_COLORS))) == []


def test_sample_project_models_match_its_migrations(server):
    assert drift_at_head(server, SAMPLES / "clean_shop") == []


def test_model_column_no_migration_adds(server, history):
    """The seed's MarketplaceTask.position: in the model, in no migration."""
    models = MODELS + "    position: Mapped[int]\n"
    findings = drift_at_head(server, project(history, models, a1=(None, CREATE_COLORS)))
    assert found(findings) == [
        (
            "MC503",
            "column product_attributes.colors.position",
            "models.py:41",
            "model column product_attributes.colors.position has no migration that adds it",
        )
    ]
    (finding,) = findings
    assert finding.severity.value == "error"
    assert finding.location.revision is None  # a missing migration is no revision's fault
    assert finding.check == "models"


def test_each_kind_of_difference_is_one_finding(server, history):
    changed = """
op.execute("CREATE TABLE product_attributes.legacy_sizes (code text PRIMARY KEY)")
op.alter_column("colors", "price", type_=sa.Integer(), schema="product_attributes")
op.alter_column("colors", "name_en", nullable=True, schema="product_attributes")
op.alter_column("colors", "shade", server_default="dark", schema="product_attributes")
op.drop_index(
    "ix_product_attributes_colors_parent_color_id", "colors", schema="product_attributes"
)
op.add_column("colors", sa.Column("hex", sa.Text()), schema="product_attributes")
"""
    findings = drift_at_head(server, project(history, a1=(None, CREATE_COLORS), b2=("a1", changed)))
    colors = "product_attributes.colors"
    assert found(findings) == [
        (
            "MC502",
            "table product_attributes.legacy_sizes",
            "env.py:11",  # target_metadata: where include_object would exclude it
            "table product_attributes.legacy_sizes exists in the database but not in the models",
        ),
        (
            "MC506",
            f"column {colors}.name_en",
            "models.py:34",
            f"column {colors}.name_en is nullable in the database but NOT NULL in the models",
        ),
        (
            "MC507",
            f"column {colors}.shade",
            "models.py:35",
            f"column {colors}.shade has server default 'dark'::product_attributes.shade in the "
            "database but server default 'light' in the models",
        ),
        (
            "MC505",
            f"column {colors}.price",
            "models.py:40",
            f"column {colors}.price is INTEGER in the database but NUMERIC(10, 2) in the models",
        ),
        (
            "MC508",
            f"index ix_product_attributes_colors_parent_color_id on {colors}",
            "models.py:30",
            f"model index ix_product_attributes_colors_parent_color_id on {colors} "
            "(parent_color_id) has no migration that creates it",
        ),
        (
            "MC504",
            f"column {colors}.hex",
            "models.py:30",
            f"column {colors}.hex exists in the database but not in the models",
        ),
    ]


def test_project_without_target_metadata_is_not_compared(server, history):
    root = history(a1=(None, 'op.execute("CREATE TABLE t (id int)")'))
    assert drift_at_head(server, root) == []


def test_model_table_no_migration_creates_is_one_finding(server, history):
    """Its indexes and constraints are part of the missing table, not findings of their own."""
    models = MODELS + textwrap.dedent("""

        class Size(Base):
            __tablename__ = "sizes"

            code: Mapped[str] = mapped_column(Text, primary_key=True)
            label: Mapped[str] = mapped_column(Text, index=True, unique=True)
        """)
    findings = drift_at_head(server, project(history, models, a1=(None, CREATE_COLORS)))
    assert found(findings) == [
        (
            "MC501",
            "table product_attributes.sizes",
            "models.py:43",
            "model table product_attributes.sizes has no migration that creates it",
        )
    ]


MODELS_WITH_MEDIUM = MODELS.replace(
    '    dark = "dark"\n', '    dark = "dark"\n    medium = "medium"\n'
)


def test_enum_label_no_migration_adds(server, history):
    """optuna's trialstate: the model gained a label no migration adds (alembic check is
    silent on it)."""
    findings = drift_at_head(server, project(history, MODELS_WITH_MEDIUM, a1=(None, CREATE_COLORS)))
    assert found(findings) == [
        (
            "MC512",
            "enum product_attributes.shade",
            "models.py:36",  # the model column of that type
            "enum product_attributes.shade has labels ['light', 'dark'] in the database but "
            "['light', 'dark', 'medium'] in the models (medium missing)",
        )
    ]
    assert findings[0].severity.value == "error"


def test_enum_label_added_by_a_migration_gives_no_finding(server, history):
    add = "op.execute(\"ALTER TYPE product_attributes.shade ADD VALUE 'medium'\")"
    root = project(history, MODELS_WITH_MEDIUM, a1=(None, CREATE_COLORS), b2=("a1", add))
    assert drift_at_head(server, root) == []
