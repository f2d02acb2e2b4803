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
    # table public.colors: comment as in the reference
    op.execute(
        "COMMENT ON TABLE public.colors IS 'Colors a product can come in (it''s a "
        "palette)'"
    )

    # column public.items.sku: comment as in the reference
    op.execute("COMMENT ON COLUMN public.items.sku IS 'Stock keeping unit'")


def downgrade() -> None:
    # column public.items.sku: comment as in the reference
    op.execute("COMMENT ON COLUMN public.items.sku IS NULL")

    # table public.colors: comment as in the reference
    op.execute("COMMENT ON TABLE public.colors IS NULL")
