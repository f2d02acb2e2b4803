"""create shipping_methods

First revision of the shipping branch (parallel to the catalog branch, both start at
9c3e7b1d5f28; merged in 6c2a9e4f0d87). Shipping methods are keyed by a natural code.

Revision ID: d1c5f8b3a296
Revises: 9c3e7b1d5f28
Create Date: 2026-01-09 11:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "d1c5f8b3a296"
down_revision: Union[str, Sequence[str], None] = "9c3e7b1d5f28"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "shipping_methods",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("base_fee_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "base_fee_cents >= 0",
            name=op.f("ck_shipping_methods_base_fee_cents_non_negative"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_shipping_methods")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("shipping_methods")
