"""add colors.parent_color_id

Colors get a hierarchy (shades point to their base color); the foreign key comes with the
first shades in 20260107_2142.

Revision ID: 20260105_1630
Revises: 20260104_1500
Create Date: 2026-01-05 16:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "20260105_1630"
down_revision: Union[str, Sequence[str], None] = "20260104_1500"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "colors",
        sa.Column("parent_color_id", sa.Integer(), nullable=True),
        schema="product_attributes",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("colors", "parent_color_id", schema="product_attributes")
