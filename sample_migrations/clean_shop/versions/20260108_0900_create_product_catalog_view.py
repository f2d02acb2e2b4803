"""create the product_catalog view

Revision ID: 9c3e7b1d5f28
Revises: 1a7d5e9c3b60
Create Date: 2026-01-08 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "9c3e7b1d5f28"
down_revision: Union[str, Sequence[str], None] = "1a7d5e9c3b60"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(
        """
        CREATE VIEW product_catalog AS
        SELECT p.id AS product_id,
               p.sku,
               p.name,
               p.price_cents,
               c.slug AS category_slug,
               c.name AS category_name,
               parent.slug AS parent_category_slug
        FROM products AS p
        JOIN categories AS c ON c.id = p.category_id
        LEFT JOIN categories AS parent ON parent.id = c.parent_id
        """
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW product_catalog")
