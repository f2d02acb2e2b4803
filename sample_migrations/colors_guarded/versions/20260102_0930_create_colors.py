"""create colors table with the initial palette

Revision ID: 20260102_0930
Revises: 20260102_0900
Create Date: 2026-01-02 09:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "20260102_0930"
down_revision: Union[str, Sequence[str], None] = "20260102_0900"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    colors = op.create_table(
        "colors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("hex_code", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_en", name="uq_colors_name_en"),
        schema="product_attributes",
    )
    op.bulk_insert(
        colors,
        [
            {"name_en": "Black", "hex_code": "#000000"},
            {"name_en": "Red", "hex_code": "#FF0000"},
            {"name_en": "Green", "hex_code": "#008000"},
            {"name_en": "Yellow", "hex_code": "#FFFF00"},
        ],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("colors", schema="product_attributes")
