"""create tenant project_statuses

Revision ID: b7d3a9e5f046
Revises: 5a1f7c3e9b82
Create Date: 2026-02-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b7d3a9e5f046"
down_revision: Union[str, Sequence[str], None] = "5a1f7c3e9b82"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "project_statuses",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_terminal", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_project_statuses")),
        schema="tenant",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("project_statuses", schema="tenant")
