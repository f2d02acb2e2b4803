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
    # range type public.sku_range: missing on a fresh database
    op.execute(
        "CREATE TYPE public.sku_range AS RANGE (SUBTYPE = text, COLLATION = "
        'pg_catalog."C")'
    )

    # range type public.weight_range: missing on a fresh database
    op.execute(
        "CREATE TYPE public.weight_range AS RANGE (SUBTYPE = numeric, SUBTYPE_DIFF = "
        "numrange_subdiff)"
    )


def downgrade() -> None:
    # range type public.weight_range: missing on a fresh database
    op.execute("DROP TYPE public.weight_range")

    # range type public.sku_range: missing on a fresh database
    op.execute("DROP TYPE public.sku_range")
