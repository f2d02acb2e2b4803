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
    # constraint public.colors.colors_name_key: renamed to uq_colors_name as in the
    # reference
    op.execute(
        "ALTER TABLE public.colors RENAME CONSTRAINT colors_name_key TO uq_colors_name"
    )


def downgrade() -> None:
    # constraint public.colors.colors_name_key: renamed to uq_colors_name as in the
    # reference
    op.execute(
        "ALTER TABLE public.colors RENAME CONSTRAINT uq_colors_name TO colors_name_key"
    )
