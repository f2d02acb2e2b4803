"""merge sizes and colors heads

Revision ID: 20260110_0900
Revises: 20260108_0915, 20260107_2142
Create Date: 2026-01-10 09:00:00.000000

"""
from typing import Sequence, Union


# revision identifiers, used by Alembic.
revision: str = "20260110_0900"
down_revision: Union[str, Sequence[str], None] = ("20260108_0915", "20260107_2142")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
