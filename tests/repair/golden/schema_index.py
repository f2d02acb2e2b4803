"""repair: bring a fresh database to the reference

Revision ID: r9
Revises: a1
Create Date: <date>

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "r9"
down_revision: str | Sequence[str] | None = "a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # index public.ix_items_sku: missing on a fresh database
    op.create_index(op.f("ix_items_sku"), "items", ["sku"], unique=False)


def downgrade() -> None:
    # index public.ix_items_sku: missing on a fresh database
    op.drop_index(op.f("ix_items_sku"), table_name="items")
