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
    # index public.ix_items_lower_sku: missing on a fresh database
    op.execute(
        "CREATE INDEX ix_items_lower_sku ON public.items USING btree (lower(sku)) "
        "WHERE (color_id IS NOT NULL)"
    )


def downgrade() -> None:
    # index public.ix_items_lower_sku: missing on a fresh database
    op.drop_index(op.f("ix_items_lower_sku"), table_name="items")
