"""create product_attributes schema and sizes table

The unique constraint on sizes.name is declared without a name, so PostgreSQL names it
``sizes_name_key``.

Revision ID: 20260102_0900
Revises:
Create Date: 2026-01-02 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "20260102_0900"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE SCHEMA IF NOT EXISTS product_attributes")
    sizes = op.create_table(
        "sizes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False, unique=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        schema="product_attributes",
    )
    op.bulk_insert(
        sizes,
        [
            {"name": "XS", "sort_order": 10},
            {"name": "S", "sort_order": 20},
            {"name": "M", "sort_order": 30},
            {"name": "L", "sort_order": 40},
            {"name": "XL", "sort_order": 50},
        ],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("sizes", schema="product_attributes")
    op.execute("DROP SCHEMA product_attributes")
