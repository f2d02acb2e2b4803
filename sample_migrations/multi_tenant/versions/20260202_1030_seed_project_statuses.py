"""seed tenant project_statuses (reference data)

Data migration. The rows go through a Core insert on ``sa.Table(..., schema="tenant")`` --
a real Table, so env.py's schema_translate_map sends them to the tenant's schema (raw SQL
or ``sa.table()`` would not be remapped). ON CONFLICT DO NOTHING makes it re-runnable.

Revision ID: 3e8b0d6c2a71
Revises: b7d3a9e5f046
Create Date: 2026-02-02 10:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = "3e8b0d6c2a71"
down_revision: Union[str, Sequence[str], None] = "b7d3a9e5f046"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

project_statuses = sa.Table(
    "project_statuses",
    sa.MetaData(),
    sa.Column("code", sa.Text(), primary_key=True),
    sa.Column("label", sa.Text()),
    sa.Column("sort_order", sa.Integer()),
    sa.Column("is_terminal", sa.Boolean()),
    schema="tenant",
)

STATUSES = [
    {"code": "active", "label": "Active", "sort_order": 10, "is_terminal": False},
    {"code": "on_hold", "label": "On hold", "sort_order": 20, "is_terminal": False},
    {"code": "archived", "label": "Archived", "sort_order": 30, "is_terminal": True},
]


def upgrade() -> None:
    """Insert the reference statuses."""
    op.execute(
        postgresql.insert(project_statuses)
        .values(STATUSES)
        .on_conflict_do_nothing(index_elements=["code"])
    )


def downgrade() -> None:
    """Delete exactly the rows the upgrade inserted."""
    op.execute(
        project_statuses.delete().where(
            project_statuses.c.code.in_(["active", "on_hold", "archived"])
        )
    )
