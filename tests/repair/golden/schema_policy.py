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
    # table public.items: row_security as in the reference
    op.execute("ALTER TABLE public.items ENABLE ROW LEVEL SECURITY")

    # policy public.items.items_with_color: missing on a fresh database
    op.execute(
        "CREATE POLICY items_with_color ON public.items AS PERMISSIVE FOR SELECT TO "
        "public USING ((color_id IS NOT NULL))"
    )


def downgrade() -> None:
    # policy public.items.items_with_color: missing on a fresh database
    op.execute("DROP POLICY items_with_color ON public.items")

    # table public.items: row_security as in the reference
    op.execute("ALTER TABLE public.items DISABLE ROW LEVEL SECURITY")
