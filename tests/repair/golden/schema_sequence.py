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
    # sequence public.invoice_numbers: missing on a fresh database
    op.execute("CREATE SEQUENCE public.invoice_numbers INCREMENT BY 10 START WITH 1000")


def downgrade() -> None:
    # sequence public.invoice_numbers: missing on a fresh database
    op.execute("DROP SEQUENCE public.invoice_numbers")
