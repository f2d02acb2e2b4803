"""index products.name (built concurrently)

products already exists, so the index is built with CREATE INDEX CONCURRENTLY, which cannot
run inside a transaction block: hence the autocommit block (env.py runs one transaction per
revision, as Alembic recommends for revisions that use one).

Revision ID: 7e4a2c9f6b05
Revises: 2b8f6a0d4e71
Create Date: 2026-01-10 14:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "7e4a2c9f6b05"
down_revision: Union[str, Sequence[str], None] = "2b8f6a0d4e71"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.get_context().autocommit_block():
        op.create_index(
            op.f("ix_products_name"),
            "products",
            ["name"],
            unique=False,
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.get_context().autocommit_block():
        op.drop_index(
            op.f("ix_products_name"), table_name="products", postgresql_concurrently=True
        )
