"""add colors.family (enum product_attributes.color_family)

Revision ID: 20260104_1500
Revises: 20260102_0930
Create Date: 2026-01-04 15:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = "20260104_1500"
down_revision: Union[str, Sequence[str], None] = "20260102_0930"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

color_family = postgresql.ENUM(
    "neutral", "warm", "cool", name="color_family", schema="product_attributes"
)


def upgrade() -> None:
    """Upgrade schema."""
    color_family.create(op.get_bind(), checkfirst=True)
    op.add_column(
        "colors",
        sa.Column(
            "family",
            postgresql.ENUM(name="color_family", schema="product_attributes", create_type=False),
            nullable=True,
        ),
        schema="product_attributes",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("colors", "family", schema="product_attributes")
