"""repair: bring a fresh database to the reference

Revision ID: r9
Revises: a1
Create Date: <date>

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "r9"
down_revision: str | Sequence[str] | None = "a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # table public.sizes: missing on a fresh database
    op.create_table(
        "sizes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column(
            "sort_order",
            sa.Integer(),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("color_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["color_id"],
            ["colors.id"],
            name=op.f("sizes_color_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("sizes_pkey")),
        sa.UniqueConstraint("code", name=op.f("uq_sizes_code")),
    )

    # index public.ix_sizes_sort_order: missing on a fresh database
    op.create_index(op.f("ix_sizes_sort_order"), "sizes", ["sort_order"], unique=False)


def downgrade() -> None:
    # index public.ix_sizes_sort_order: missing on a fresh database
    op.drop_index(op.f("ix_sizes_sort_order"), table_name="sizes")

    # table public.sizes: missing on a fresh database
    op.drop_table("sizes")
