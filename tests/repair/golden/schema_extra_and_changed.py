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
    # index public.ix_items_color_id: not in the reference
    op.drop_index(op.f("ix_items_color_id"), table_name="items")

    # column public.items.note: not in the reference
    op.drop_column("items", "note")

    # column public.colors.hex: default, nullable as in the reference
    op.alter_column(
        "colors",
        "hex",
        existing_type=sa.Text(),
        server_default=sa.text("'#000000'::text"),
        nullable=False,
    )

    # column public.items.sku: type as in the reference
    op.alter_column(
        "items",
        "sku",
        existing_type=sa.Text(),
        type_=sa.String(length=40),
        existing_nullable=False,
    )


def downgrade() -> None:
    # column public.items.sku: type as in the reference
    op.alter_column(
        "items",
        "sku",
        existing_type=sa.String(length=40),
        type_=sa.Text(),
        existing_nullable=False,
    )

    # column public.colors.hex: default, nullable as in the reference
    op.alter_column(
        "colors",
        "hex",
        existing_type=sa.Text(),
        server_default=None,
        nullable=True,
    )

    # column public.items.note: not in the reference
    op.add_column("items", sa.Column("note", sa.Text(), nullable=True))

    # index public.ix_items_color_id: not in the reference
    op.create_index(op.f("ix_items_color_id"), "items", ["color_id"], unique=False)
