"""add indigo color

Catalogue branch, cut from 20260105_1630 before the sizes/colors merge. Indigo is a shade
of Blue.

Made idempotent (fix(migrations): make color parent migrations idempotent): Indigo is only
inserted if its parent color exists.

Revision ID: 20260113_1200
Revises: 20260105_1630
Create Date: 2026-01-13 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
from sqlalchemy import text


# revision identifiers, used by Alembic.
revision: str = "20260113_1200"
down_revision: Union[str, Sequence[str], None] = "20260105_1630"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def color_exists(conn, name_en):
    result = conn.execute(
        text(
            """
            SELECT EXISTS (
                SELECT 1 FROM product_attributes.colors
                WHERE name_en = :name_en
            )
            """
        ),
        {"name_en": name_en},
    )
    return result.scalar()


def upgrade() -> None:
    """Upgrade schema."""
    conn = op.get_bind()
    if color_exists(conn, "Blue"):
        op.execute(
            "INSERT INTO product_attributes.colors (name_en, hex_code, parent_color_id) "
            "VALUES ('Indigo', '#4B0082', "
            "(SELECT id FROM product_attributes.colors WHERE name_en = 'Blue'))"
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM product_attributes.colors WHERE name_en = 'Indigo'")
