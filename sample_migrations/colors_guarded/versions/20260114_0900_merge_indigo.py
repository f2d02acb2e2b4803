"""merge heads

Revision ID: 20260114_0900
Revises: 20260110_0900, 20260113_1200
Create Date: 2026-01-14 09:00:00.000000

"""
from typing import Sequence, Union


# revision identifiers, used by Alembic.
revision: str = "20260114_0900"
down_revision: Union[str, Sequence[str], None] = ("20260110_0900", "20260113_1200")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
