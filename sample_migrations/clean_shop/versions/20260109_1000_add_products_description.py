"""add products.description

First revision of the catalog branch (parallel to the shipping branch, both start at
9c3e7b1d5f28; merged in 6c2a9e4f0d87). The new column is nullable, so adding it needs no
table rewrite and no backfill.

Revision ID: 2b8f6a0d4e71
Revises: 9c3e7b1d5f28
Create Date: 2026-01-09 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "2b8f6a0d4e71"
down_revision: Union[str, Sequence[str], None] = "9c3e7b1d5f28"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("products", sa.Column("description", sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("products", "description")
