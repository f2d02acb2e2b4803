"""seed shipping_methods (reference data)

Data migration, re-runnable thanks to ON CONFLICT (code) DO NOTHING; the downgrade deletes
exactly the inserted codes.

Revision ID: 4f6b0e2a8d53
Revises: d1c5f8b3a296
Create Date: 2026-01-09 11:30:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "4f6b0e2a8d53"
down_revision: Union[str, Sequence[str], None] = "d1c5f8b3a296"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Insert the reference shipping methods."""
    op.execute(
        "INSERT INTO shipping_methods (code, name, base_fee_cents) VALUES "
        "('standard', 'Standard delivery', 495), "
        "('express', 'Express delivery', 1295), "
        "('pickup', 'Store pickup', 0) "
        "ON CONFLICT (code) DO NOTHING"
    )


def downgrade() -> None:
    """Delete exactly the rows the upgrade inserted."""
    op.execute("DELETE FROM shipping_methods WHERE code IN ('standard', 'express', 'pickup')")
