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
    # composite type public.dimensions: missing on a fresh database
    op.execute("CREATE TYPE public.dimensions AS (width numeric(8,2), height integer)")


def downgrade() -> None:
    # composite type public.dimensions: missing on a fresh database
    op.execute("DROP TYPE public.dimensions")
