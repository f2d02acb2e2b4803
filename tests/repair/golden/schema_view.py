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
    # view public.dark_colors: missing on a fresh database
    op.execute(
        """
        CREATE VIEW public.dark_colors AS
         SELECT colors.name
           FROM colors
          WHERE colors.hex < '#888'::text
        """
    )


def downgrade() -> None:
    # view public.dark_colors: missing on a fresh database
    op.execute("DROP VIEW public.dark_colors")
