"""rename sizes to sizes_normalized

Sizes branch. Also renames the unique constraint on name to follow the new table name.

Revision ID: 20260106_1400
Revises: 20260105_1630
Create Date: 2026-01-06 14:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "20260106_1400"
down_revision: Union[str, Sequence[str], None] = "20260105_1630"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.rename_table("sizes", "sizes_normalized", schema="product_attributes")
    op.execute(
        "ALTER TABLE product_attributes.sizes_normalized "
        "RENAME CONSTRAINT uq_sizes_name TO uq_sizes_normalized_name"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(
        "ALTER TABLE product_attributes.sizes_normalized "
        "RENAME CONSTRAINT uq_sizes_normalized_name TO uq_sizes_name"
    )
    op.rename_table("sizes_normalized", "sizes", schema="product_attributes")
