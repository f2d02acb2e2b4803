"""merge the catalog and shipping branches

The two branches touch disjoint tables (catalog: products; shipping: shipping_methods,
shipments), so they give the same result in either order.

Revision ID: 6c2a9e4f0d87
Revises: 7e4a2c9f6b05, a0e3d7c5b194
Create Date: 2026-01-12 09:00:00.000000

"""
from typing import Sequence, Union


# revision identifiers, used by Alembic.
revision: str = "6c2a9e4f0d87"
down_revision: Union[str, Sequence[str], None] = ("7e4a2c9f6b05", "a0e3d7c5b194")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Merge point: nothing to do."""
    pass


def downgrade() -> None:
    """Merge point: nothing to do."""
    pass
