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
    # reference rows missing after a fresh replay (found by natural key)
    op.execute(
        """
        INSERT INTO public.tags (label, rank)
        SELECT 'new', 1
        WHERE NOT EXISTS (
            SELECT FROM public.tags WHERE label = 'new'
        )
        """
    )
    op.execute(
        """
        INSERT INTO public.tags (label, rank)
        SELECT 'sale', 2
        WHERE NOT EXISTS (
            SELECT FROM public.tags WHERE label = 'sale'
        )
        """
    )


def downgrade() -> None:
    # reference rows missing after a fresh replay (found by natural key)
    op.execute("DELETE FROM public.tags WHERE label IN ('new', 'sale')")
