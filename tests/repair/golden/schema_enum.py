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
    # enum public.mood: missing on a fresh database
    op.execute("CREATE TYPE public.mood AS ENUM ('calm', 'loud', 'it''s complicated')")


def downgrade() -> None:
    # enum public.mood: missing on a fresh database
    op.execute("DROP TYPE public.mood")
