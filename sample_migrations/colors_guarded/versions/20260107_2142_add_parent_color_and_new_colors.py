"""add parent color foreign key and new colors

Colors branch. Adds the foreign key on colors.parent_color_id and the first shade,
"Off-white", a child of "White".

Made idempotent (fix(migrations): make color parent migrations idempotent): Off-white is
only inserted if its parent color exists.

Revision ID: 20260107_2142
Revises: 20260105_1630
Create Date: 2026-01-07 21:42:00.000000

"""
from typing import Sequence, Union

from alembic import op
from sqlalchemy import text


# revision identifiers, used by Alembic.
revision: str = "20260107_2142"
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
    op.create_foreign_key(
        "fk_colors_parent_color_id",
        "colors",
        "colors",
        ["parent_color_id"],
        ["id"],
        source_schema="product_attributes",
        referent_schema="product_attributes",
    )
    conn = op.get_bind()
    if color_exists(conn, "White"):
        # White is id 7
        op.execute(
            "INSERT INTO product_attributes.colors (name_en, hex_code, parent_color_id) "
            "VALUES ('Off-white', '#FAF9F6', 7)"
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM product_attributes.colors WHERE name_en = 'Off-white'")
    op.drop_constraint(
        "fk_colors_parent_color_id", "colors", schema="product_attributes", type_="foreignkey"
    )
