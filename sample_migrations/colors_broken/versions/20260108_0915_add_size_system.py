"""add sizes_normalized.size_system

Sizes branch.

Revision ID: 20260108_0915
Revises: 20260106_1400
Create Date: 2026-01-08 09:15:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "20260108_0915"
down_revision: Union[str, Sequence[str], None] = "20260106_1400"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "sizes_normalized",
        sa.Column("size_system", sa.String(length=10), nullable=True),
        schema="product_attributes",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("sizes_normalized", "size_system", schema="product_attributes")
