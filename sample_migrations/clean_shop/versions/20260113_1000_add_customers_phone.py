"""add customers.phone

Nullable column on an existing table: no rewrite, no backfill.

Revision ID: b5d1f7a3c069
Revises: 6c2a9e4f0d87
Create Date: 2026-01-13 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b5d1f7a3c069"
down_revision: Union[str, Sequence[str], None] = "6c2a9e4f0d87"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("customers", sa.Column("phone", sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("customers", "phone")
